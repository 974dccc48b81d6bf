import { afterEach, beforeEach, expect, it, vi } from 'vitest';
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

  it('plans every page as a walk of the primary key, never a sort of the table', async () => {
    await insertUsers(supabase, 2 * BATCH_SIZE);
    const sent = vi.spyOn(supabase.pool, 'query');
    for await (const batch of adapter.scan({ batchSize: BATCH_SIZE })) expect(batch.length).toBeGreaterThan(0);
    const pages = sent.mock.calls.map(([text, values]) => [text, values] as [string, unknown[]]);
    sent.mockRestore();
    // The first page and at least one after it, each bound by the last id read.
    expect(pages.length).toBeGreaterThanOrEqual(2);

    const client = await supabase.pool.connect();
    try {
      // Without a sequential scan or a sort to fall back on, only an index that gives the order can serve the page.
      await client.query('begin; set local enable_seqscan = off; set local enable_sort = off');
      for (const [text, values] of pages) {
        const { rows } = await client.query<{ 'QUERY PLAN': unknown }>(`explain (format json) ${text}`, values);
        const plan = JSON.stringify(rows[0]?.['QUERY PLAN']);
        expect(plan).toContain('"Index Name":"users_pkey"');
        expect(plan).not.toContain('"Node Type":"Sort"');
      }
    } finally {
      await client.query('rollback');
      client.release();
    }
  });
});
