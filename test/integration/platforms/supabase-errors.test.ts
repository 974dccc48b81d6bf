import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { PersonRecord } from '../../../src/platforms/person-record.ts';
import { createSupabaseAdapter } from '../../../src/platforms/supabase/supabase-adapter.ts';
import type { SupabaseAdmin } from '../../../src/platforms/supabase/supabase-admin.ts';
import { isRetryableSupabaseError, toSupabaseError } from '../../../src/platforms/supabase/supabase-errors.ts';
import { startHttpStandIn } from '../../support/http-stand-in.ts';
import type { HttpStandIn, StandInAnswer } from '../../support/http-stand-in.ts';
import { closedPort } from '../../support/idsync-process.ts';
import { readExisting } from '../../support/platform-fixtures.ts';
import { newObjectId } from '../../support/platform-seeders.ts';
import {
  anonKey,
  describeWithAuthServer,
  expiredServiceRoleKey,
  foreignServiceRoleKey,
  localServiceRoleKey,
  openTestSupabase,
  testAdmin,
} from '../../support/supabase.ts';
import type { TestSupabase } from '../../support/supabase.ts';

const SHORT_TIMEOUT_MS = 300;

async function failure(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected the work to fail');
}

describeWithAuthServer('Supabase errors, as the real auth server (or a failing peer) answers', () => {
  let supabase: TestSupabase;
  let standIn: HttpStandIn | undefined;

  beforeEach(async () => {
    supabase = await openTestSupabase('sb-errors');
  });

  afterEach(async () => {
    await standIn?.close();
    standIn = undefined;
    await supabase.dispose();
  });

  /** A linked user, and a link write through `admin` that must fail; the user must be unchanged after it. */
  async function failedLinkWrite(admin: SupabaseAdmin): Promise<{ error: unknown; record: PersonRecord }> {
    const id = await supabase.seedUser({ appMetadata: { external_ids: { crm: newObjectId() } } });
    const record = await readExisting(createSupabaseAdapter(supabase.pool, admin), id);
    const before = await supabase.rawUser(id);
    const error = await failure(() => createSupabaseAdapter(supabase.pool, admin).writeLinks(record, { set: { crm: newObjectId() }, unset: [] }));
    expect(await supabase.rawUser(id)).toEqual(before);
    return { error, record };
  }

  /** Nothing secret or personal in what a log line or the sync error log would keep. */
  function expectNoSecrets(error: unknown, ...secrets: string[]): void {
    const kept = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack ?? ''}`;
    for (const secret of [localServiceRoleKey(), supabase.domain, ...secrets]) expect(kept).not.toContain(secret);
  }

  it('a duplicate email is IDSYNC_ERR_EMAIL_TAKEN (422 email_exists); an invalid one IDSYNC_ERR_SUPABASE_REJECTED (400)', async () => {
    const email = supabase.email();
    await supabase.seedUser({ email });

    const duplicate = (await supabase.admin.createUser({ email: email.toUpperCase(), email_confirm: true })).error;
    const invalid = (await supabase.admin.createUser({ email: `no spaces@${supabase.domain}`, email_confirm: true })).error;

    expect(duplicate && toSupabaseError(duplicate, 'create user')).toMatchObject({
      code: 'IDSYNC_ERR_EMAIL_TAKEN',
      retryable: false,
      platform: 'supabase',
      status: 422,
      serverCode: 'email_exists',
    });
    expect(invalid && toSupabaseError(invalid, 'create user')).toMatchObject({
      code: 'IDSYNC_ERR_SUPABASE_REJECTED',
      retryable: false,
      status: 400,
      serverCode: 'validation_failed',
    });
    expectNoSecrets(duplicate && toSupabaseError(duplicate, 'create user'));
    expect([duplicate, invalid].map(isRetryableSupabaseError)).toEqual([false, false]);
  });

  it.each([
    ['signed with another secret', foreignServiceRoleKey, 'bad_jwt'],
    ['expired', expiredServiceRoleKey, 'bad_jwt'],
    ['of a role that is not an admin', anonKey, 'not_admin'],
  ])('a service key %s is IDSYNC_ERR_SUPABASE_UNAUTHORIZED (403), not retryable, and changes nothing', async (_label, mint, serverCode) => {
    const key = mint();
    const { error } = await failedLinkWrite(testAdmin({ key }));

    expect(error).toMatchObject({ code: 'IDSYNC_ERR_SUPABASE_UNAUTHORIZED', retryable: false, platform: 'supabase', status: 403, serverCode });
    expect(isRetryableSupabaseError(error)).toBe(false);
    expectNoSecrets(error, key);
  });

  it.each<[string, StandInAnswer, string, boolean]>([
    ['a 500 with a JSON body', { status: 500, body: '{"code":500,"msg":"boom"}' }, 'IDSYNC_ERR_STORE_UNAVAILABLE', true],
    ['a 503 page from a gateway', { status: 503, body: '<html>down</html>', contentType: 'text/html' }, 'IDSYNC_ERR_STORE_UNAVAILABLE', true],
    ['a 429', { status: 429, body: '{"code":429,"error_code":"over_request_rate_limit"}' }, 'IDSYNC_ERR_SUPABASE_RATE_LIMITED', true],
    ['a 404 page (no auth API at the URL)', { status: 404, body: '<html>not here</html>', contentType: 'text/html' }, 'IDSYNC_ERR_SUPABASE_BAD_ANSWER', false],
  ])('%s is %s (retryable: %s), and the lock is released', async (_label, answer, code, retryable) => {
    standIn = await startHttpStandIn(answer);
    const { error, record } = await failedLinkWrite(testAdmin({ url: standIn.url }));

    expect(error).toMatchObject({ code, retryable, platform: 'supabase' });
    expect(standIn.requests()).toBe(1);
    expect(isRetryableSupabaseError(error)).toBe(retryable);
    expectNoSecrets(error);
    // The failed write held the user's lock; the real server's write goes through now.
    expect(await createSupabaseAdapter(supabase.pool, supabase.admin).writeLinks(record, { set: { crm: newObjectId() }, unset: [] })).toBe('written');
  });

  it('no answer in time is IDSYNC_ERR_STORE_UNAVAILABLE, retryable', async () => {
    standIn = await startHttpStandIn(null);
    const { error } = await failedLinkWrite(testAdmin({ url: standIn.url, timeoutMs: SHORT_TIMEOUT_MS }));

    expect(error).toMatchObject({ code: 'IDSYNC_ERR_STORE_UNAVAILABLE', retryable: true, platform: 'supabase', status: 0 });
  });

  it('a refused connection is IDSYNC_ERR_STORE_UNAVAILABLE, retryable, on the admin API and on SQL', async () => {
    const port = await closedPort();
    const { error } = await failedLinkWrite(testAdmin({ url: `http://127.0.0.1:${port}` }));
    const pool = new pg.Pool({ host: '127.0.0.1', port, user: 'postgres', password: 'postgres' });
    const sqlError = await failure(() => createSupabaseAdapter(pool, supabase.admin).get(crypto.randomUUID()));
    await pool.end();

    expect(error).toMatchObject({ code: 'IDSYNC_ERR_STORE_UNAVAILABLE', retryable: true, platform: 'supabase', status: 0 });
    expect([isRetryableSupabaseError(error), isRetryableSupabaseError(sqlError)]).toEqual([true, true]);
  });
});
