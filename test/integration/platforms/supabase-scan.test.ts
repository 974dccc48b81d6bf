import { afterEach, beforeEach, expect, it } from 'vitest';
import type { PersonRecord } from '../../../src/platforms/person-record.ts';
import type { PlatformAdapter } from '../../../src/platforms/platform-adapter.ts';
import { createSupabaseAdapter } from '../../../src/platforms/supabase/supabase-adapter.ts';
import { describeWithAuthServer, openTestSupabase } from '../../support/supabase.ts';
import type { TestSupabase } from '../../support/supabase.ts';

const USERS = 1000;
const BATCH_SIZE = 64;

/**
 * Rows as the auth server stores an email user, inserted in one statement. The admin API makes
 * them one request at a time (about 150 ms each on 2 busy cores, and as much again to delete), and
 * a scan reads the table whoever wrote it; the adapter's admin-API paths have their own tests.
 */
async function insertUsers(supabase: TestSupabase, count: number): Promise<string[]> {
  const emails = Array.from({ length: count }, (_, index) => supabase.email(`n${index}`));
  const { rows } = await supabase.pool.query<{ id: string }>(
    `insert into auth.users (instance_id, id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
     select '00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated', email, now(),
            '{"provider": "email", "providers": ["email"]}', '{}', now(), now()
       from unnest($1::text[]) as email
     returning id::text as id`,
    [emails],
  );
  return rows.map((row) => row.id);
}

describeWithAuthServer('Supabase adapter: scanning', () => {
  let supabase: TestSupabase;
  let adapter: PlatformAdapter;

  beforeEach(async () => {
    supabase = await openTestSupabase('sb-scan');
    adapter = createSupabaseAdapter(supabase.pool, supabase.admin);
  });

  afterEach(async () => {
    await supabase.pool.query('delete from auth.users where email like $1', [`%@${supabase.domain}`]);
    await supabase.dispose();
  });

  /*
   * auth.users is shared with every other test running now, so the scan sees their users too: the
   * assertions hold whatever else is in the table.
   */
  it(`scans ${USERS} users in batches of at most ${BATCH_SIZE}, each once, one round trip per batch`, async () => {
    const ids = await insertUsers(supabase, USERS);
    supabase.resetCounts();

    const batches: PersonRecord[][] = [];
    for await (const batch of adapter.scan({ batchSize: BATCH_SIZE })) batches.push(batch);

    const scanned = batches.flat().map((record) => record.id);
    const mine = new Set(ids);
    expect(scanned.filter((id) => mine.has(id)).sort()).toEqual([...ids].sort());
    expect(new Set(scanned).size).toBe(scanned.length);
    expect(batches.every((batch) => batch.length <= BATCH_SIZE)).toBe(true);
    expect(batches.slice(0, -1).every((batch) => batch.length === BATCH_SIZE)).toBe(true);
    expect(batches.length).toBeGreaterThanOrEqual(Math.ceil(USERS / BATCH_SIZE));
    expect(supabase.queries()).toBe(batches.length);
    expect(supabase.requests()).toBe(0);
    // Keyset order: every batch continues after the previous one.
    expect(scanned).toEqual([...scanned].sort());
  });
});
