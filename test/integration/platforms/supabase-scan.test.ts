import { afterEach, beforeEach, expect, it } from 'vitest';
import type { PersonRecord } from '../../../src/platforms/person-record.ts';
import type { PlatformAdapter } from '../../../src/platforms/platform-adapter.ts';
import { createSupabaseAdapter } from '../../../src/platforms/supabase/supabase-adapter.ts';
import { describeWithAuthServer, openTestSupabase, seedUsers } from '../../support/supabase.ts';
import type { TestSupabase } from '../../support/supabase.ts';

const USERS = 1000;
const BATCH_SIZE = 64;
/** Creating and deleting 1,000 users through the admin API takes a while on 2 busy cores. */
const SLOW_MS = 240_000;

describeWithAuthServer('Supabase adapter: scanning', () => {
  let supabase: TestSupabase;
  let adapter: PlatformAdapter;

  beforeEach(async () => {
    supabase = await openTestSupabase('sb-scan');
    adapter = createSupabaseAdapter(supabase.pool, supabase.admin);
  });

  afterEach(async () => {
    await supabase.dispose();
  }, SLOW_MS);

  /*
   * auth.users is shared with every other test running now, so the scan sees their users too: the
   * assertions hold whatever else is in the table.
   */
  it(`scans ${USERS} users in batches of at most ${BATCH_SIZE}, each once, one round trip per batch`, async () => {
    const ids = await seedUsers(supabase, USERS);
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
  }, SLOW_MS);
});
