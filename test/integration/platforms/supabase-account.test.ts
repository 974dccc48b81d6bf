import { afterEach, beforeEach, expect, it } from 'vitest';
import { createSupabaseAccountOpener } from '../../../src/platforms/supabase/supabase-account.ts';
import type { AccountOpener } from '../../../src/platforms/staff-account.ts';
import { newBookmasterId, newObjectId } from '../../support/platform-seeders.ts';
import { describeWithAuthServer, openTestSupabase } from '../../support/supabase.ts';
import type { TestSupabase } from '../../support/supabase.ts';

const RACERS = 5;

describeWithAuthServer('Supabase account opener', () => {
  let supabase: TestSupabase;
  let opener: AccountOpener;

  beforeEach(async () => {
    supabase = await openTestSupabase('sb-account');
    opener = createSupabaseAccountOpener(supabase.pool, supabase.admin);
  });

  afterEach(async () => {
    await supabase.dispose();
  });

  const member = (email: string) => ({ email, name: 'Ada', surname: 'Lovelace' });
  const usersWith = async (email: string) =>
    (await supabase.pool.query<{ id: string }>('select id::text as id from auth.users where lower(email) = lower($1)', [email])).rows;

  it('opens a confirmed user with the full name and the links, and finds it again on the second run', async () => {
    const email = supabase.email('ada');
    const [omnistack, crm] = [newObjectId(), newObjectId()];

    const first = await opener.open(member(email), { omnistack, crm, supabase: 'ignored: the own platform' } as never);
    const second = await opener.open(member(`  ${email.toUpperCase()} `), {});

    expect(first).toEqual({ id: expect.any(String), created: true });
    expect(second).toEqual({ id: first.id, created: false });
    expect(await usersWith(email)).toEqual([{ id: first.id }]);
    const stored = await supabase.rawUser(first.id);
    expect(stored).toMatchObject({
      email,
      email_confirmed_at: expect.any(Date),
      raw_app_meta_data: { provider: 'email', providers: ['email'], external_ids: { crm, omnistack } },
      raw_user_meta_data: { name: 'Ada Lovelace' },
    });
  });

  it('stores an empty map when the person has no accounts yet', async () => {
    const { id } = await opener.open(member(supabase.email()), {});
    expect((await supabase.rawUser(id))?.raw_app_meta_data?.external_ids).toEqual({});
  });

  it('takes an existing user with the email as the person\'s, changing nothing', async () => {
    const email = supabase.email();
    const id = await supabase.seedUser({ email, appMetadata: { external_ids: { crm: newObjectId() } } });
    const before = await supabase.rawUser(id);
    supabase.resetCounts();

    expect(await opener.open(member(email), { bookmaster: newBookmasterId() })).toEqual({ id, created: false });
    expect(await supabase.rawUser(id)).toEqual(before);
    expect(supabase.requests()).toBe(0);
  });

  it(`gives ${RACERS} concurrent openers of one email one user, created once`, async () => {
    const email = supabase.email('racer');

    const opened = await Promise.all(Array.from({ length: RACERS }, () => opener.open(member(email), {})));

    expect(new Set(opened.map((account) => account.id)).size).toBe(1);
    expect(opened.filter((account) => account.created)).toHaveLength(1);
    expect(await usersWith(email)).toHaveLength(1);
  });

  it('refuses to choose between two users with the email (IDSYNC_ERR_EMAIL_AMBIGUOUS) and creates nothing', async () => {
    const email = supabase.email('twice');
    await supabase.seedUser({ email });
    // The auth server keeps addresses unique only as stored: another writer can store a padded,
    // upper-case spelling, which idsync's matching reads as the same address.
    const other = await supabase.seedUser();
    await supabase.pool.query('update auth.users set email = $2 where id = $1', [other, ` ${email.toUpperCase()}`]);

    await expect(opener.open(member(email), {})).rejects.toMatchObject({ code: 'IDSYNC_ERR_EMAIL_AMBIGUOUS', platform: 'supabase' });
    expect(await usersWith(email)).toHaveLength(1);
  });

  it('fails an address the auth server refuses with IDSYNC_ERR_SUPABASE_REJECTED, not retryable', async () => {
    const email = `two words@${supabase.domain}`;

    const error = await opener.open(member(email), {}).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'IDSYNC_ERR_SUPABASE_REJECTED', retryable: false, platform: 'supabase', status: 400, serverCode: 'validation_failed' });
    expect(JSON.stringify(error) + String(error)).not.toContain(supabase.domain);
    expect(await usersWith(email)).toEqual([]);
  });

  it('refuses a bad email or a malformed link before any query or request', async () => {
    supabase.resetCounts();

    await expect(opener.open(member({ $ne: null } as never), {})).rejects.toMatchObject({ code: 'IDSYNC_ERR_INVALID_EMAIL' });
    await expect(opener.open(member(supabase.email()), { crm: { $ne: null } as never })).rejects.toMatchObject({ code: 'IDSYNC_ERR_INVALID_ID' });
    await expect(opener.open(member(supabase.email()), { crm: `crm_${newObjectId()}` })).rejects.toMatchObject({ code: 'IDSYNC_ERR_INVALID_ID' });
    expect([supabase.queries(), supabase.requests()]).toEqual([0, 0]);
  });
});
