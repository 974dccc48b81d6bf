import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ProfileTarget, TargetProfile } from '../../../src/platforms/profile-target.ts';
import { createSupabaseProfileTarget } from '../../../src/platforms/supabase/supabase-profile.ts';
import { newObjectId, newUuid } from '../../support/platform-seeders.ts';
import { describeWithAuthServer, openTestSupabase, testAdmin } from '../../support/supabase.ts';
import type { TestSupabase } from '../../support/supabase.ts';

describeWithAuthServer('Supabase profile target', () => {
  let supabase: TestSupabase;
  let target: ProfileTarget;

  beforeEach(async () => {
    supabase = await openTestSupabase('sb-profile');
    target = createSupabaseProfileTarget(supabase.pool, supabase.admin);
  });

  afterEach(async () => {
    await supabase.dispose();
  });

  async function read(id: string): Promise<TargetProfile> {
    const profile = await target.read(id);
    if (profile === null) throw new Error(`no supabase user ${id}`);
    return profile;
  }

  /** A user linked to a CRM user, with a name and a key of the user's own in user_metadata. */
  async function seedLinked(email = supabase.email()): Promise<{ id: string; crm: string }> {
    const crm = newObjectId();
    const id = await supabase.seedUser({ email, appMetadata: { external_ids: { crm } }, userMetadata: { name: 'Ada Lovelace', theme: 'dark' } });
    return { id, crm };
  }

  it('reads the CRM user a user claims, from app_metadata only', async () => {
    const { id, crm } = await seedLinked();
    const forged = await supabase.seedUser({ userMetadata: { external_ids: { crm } } });

    expect(await read(id)).toMatchObject({ platform: 'supabase', id, crmClaims: [crm] });
    expect(await read(forged)).toMatchObject({ crmClaims: [] });
    expect(await target.read(newUuid())).toBeNull();
  });

  it('writes a new email (confirmed, no pending change) and name, keeping the user\'s other metadata', async () => {
    const { id } = await seedLinked();
    const current = await read(id);
    const email = supabase.email('Ada.King');
    const changes = target.plan({ email: ` ${email} `, name: '  Ada   King ' }, current);
    expect(changes.map(({ field, rule, hadValue }) => ({ field, rule, hadValue }))).toEqual([
      { field: 'email', rule: 'crm-email', hadValue: true },
      { field: 'name', rule: 'crm-name-full', hadValue: true },
    ]);

    expect(await target.write(current, changes)).toBe('written');

    const stored = await supabase.rawUser(id);
    expect(stored).toMatchObject({ email: email.toLowerCase(), email_change: '', email_confirmed_at: expect.any(Date) });
    expect(stored?.raw_user_meta_data).toMatchObject({ name: 'Ada King', theme: 'dark' });
    expect(target.plan({ email, name: 'Ada King' }, await read(id))).toEqual([]);
  });

  it('plans nothing for a difference in letter case or spacing, and never blanks a value', async () => {
    const { id } = await seedLinked(supabase.email('ada'));
    const current = await read(id);

    expect(target.plan({ email: supabase.email('ADA'), name: ' Ada  Lovelace' }, current)).toEqual([]);
    expect(target.plan({ email: '', name: null }, current)).toEqual([]);
    expect(target.plan({ email: 'not an address', name: '   ' }, current)).toEqual([]);
  });

  it('answers written without a query or a request for no change', async () => {
    const current = await read((await seedLinked()).id);
    supabase.resetCounts();

    expect(await target.write(current, [])).toBe('written');
    expect([supabase.queries(), supabase.requests()]).toEqual([0, 0]);
  });

  it('answers stale and changes nothing when the user changed since the read', async () => {
    const { id } = await seedLinked();
    const current = await read(id);
    expect((await supabase.setup.updateUserById(id, { user_metadata: { name: 'Someone Else' } })).error).toBeNull();
    const before = await supabase.rawUser(id);
    supabase.resetCounts();

    expect(await target.write(current, target.plan({ email: supabase.email('new'), name: 'Ada King' }, current))).toBe('stale');
    expect(await supabase.rawUser(id)).toEqual(before);
    expect(supabase.requests()).toBe(0);
  });

  it('guards on stored values with quotes, backslashes and SQL in them exactly as read', async () => {
    const crm = newObjectId();
    const name = String.raw`O'Brien \' ); select pg_sleep(5); -- "x"`;
    const id = await supabase.seedUser({ appMetadata: { external_ids: { crm, note: String.raw`it's \ ok` } }, userMetadata: { name } });
    const current = await read(id);
    const changes = target.plan({ email: supabase.email('quoted'), name: 'Ada King' }, current);

    expect(await target.write(current, changes)).toBe('written');
    expect((await supabase.rawUser(id))?.raw_user_meta_data).toMatchObject({ name: 'Ada King' });
    expect(await target.write(current, changes)).toBe('stale');
  });

  it('answers stale when the user was relinked to another CRM user since the read', async () => {
    const { id } = await seedLinked();
    const current = await read(id);
    expect((await supabase.setup.updateUserById(id, { app_metadata: { external_ids: { crm: newObjectId() } } })).error).toBeNull();

    expect(await target.write(current, target.plan({ email: supabase.email('new'), name: 'Ada King' }, current))).toBe('stale');
  });

  it('refuses an address another user has, in the same spelling or another (IDSYNC_ERR_EMAIL_TAKEN), and changes nothing', async () => {
    const { id } = await seedLinked();
    const holder = supabase.email('taken');
    await supabase.seedUser({ email: holder });
    const current = await read(id);
    const before = await supabase.rawUser(id);

    for (const [email, reason] of [[holder, 'duplicate-key'], [holder.toUpperCase(), 'duplicate-key']] as const) {
      await expect(target.write(current, target.plan({ email, name: 'Ada King' }, current))).rejects.toMatchObject({
        code: 'IDSYNC_ERR_EMAIL_TAKEN',
        retryable: false,
        platform: 'supabase',
        recordId: id,
        reason,
      });
    }
    // A spelling the auth server's unique index would let through, stored by another writer.
    const padded = supabase.email('padded');
    const other = await supabase.seedUser();
    await supabase.pool.query('update auth.users set email = $2 where id = $1', [other, ` ${padded.toUpperCase()}`]);
    await expect(target.write(current, target.plan({ email: padded, name: null }, current))).rejects.toMatchObject({
      code: 'IDSYNC_ERR_EMAIL_TAKEN',
      reason: 'same-address',
    });
    expect(await supabase.rawUser(id)).toEqual(before);
  });

  it('recognizes an address another writer takes between the check and the write (the auth server answers 500)', async () => {
    const { id } = await seedLinked();
    const email = supabase.email('raced');
    // Runs the other writer's create just before the update request leaves: a real race, decided.
    const racing = createSupabaseProfileTarget(supabase.pool, testAdmin({
      fetch: async (input, init) => {
        await supabase.seedUser({ email });
        return fetch(input, init);
      },
    }));
    const current = await read(id);

    await expect(racing.write(current, target.plan({ email, name: null }, current))).rejects.toMatchObject({
      code: 'IDSYNC_ERR_EMAIL_TAKEN',
      reason: 'duplicate-key',
      recordId: id,
    });
    expect((await supabase.rawUser(id))?.email).not.toBe(email);
  });

  it('answers stale for a user deleted between the guard and the write', async () => {
    const { id } = await seedLinked();
    const deleting = createSupabaseProfileTarget(supabase.pool, testAdmin({
      fetch: async (input, init) => {
        expect((await supabase.setup.deleteUser(id)).error).toBeNull();
        return fetch(input, init);
      },
    }));
    const current = await read(id);

    expect(await deleting.write(current, target.plan({ email: supabase.email('gone'), name: null }, current))).toBe('stale');
  });

  it('refuses a malformed id or a snapshot it did not read before any query or request', async () => {
    const { id } = await seedLinked();
    const current = await read(id);
    const change = target.plan({ email: supabase.email('new'), name: null }, current);
    supabase.resetCounts();

    for (const bad of [{ $ne: null }, 42, `supabase_${id}`, ` ${id}`]) {
      await expect(target.read(bad as never)).rejects.toMatchObject({ code: 'IDSYNC_ERR_INVALID_ID' });
      await expect(target.write({ ...current, id: bad as never }, change)).rejects.toMatchObject({ code: 'IDSYNC_ERR_INVALID_ID' });
    }
    await expect(target.write({ ...current, snapshot: { kind: 'omnistack-profile' } }, change)).rejects.toMatchObject({ code: 'IDSYNC_ERR_INVALID_SNAPSHOT' });
    expect(() => target.plan({ email: null, name: null }, { ...current, platform: 'omnistack' })).toThrow(expect.objectContaining({ code: 'IDSYNC_ERR_INVALID_SNAPSHOT' }));
    expect([supabase.queries(), supabase.requests()]).toEqual([0, 0]);
  });
});
