import type { Job } from 'bullmq';
import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditProcessor } from '../../../src/jobs/audit-processor.ts';
import type { AuditReport } from '../../../src/jobs/audit-processor.ts';
import { UNSEEN_PAGE_ROWS } from '../../../src/link-index/unseen-rows.ts';
import { newRunId } from '../../../src/queues/run-id.ts';
import { createAuditFixture } from './audit-fixture.ts';
import type { AuditFixture } from './audit-fixture.ts';

const PEOPLE = 10_000;
/** People whose CRM record lacks its Bookmaster link: one missing-link issue each. */
const UNLINKED = 100;
const INSERT_CHUNK = 2_000;
const SCANNED = ['crm', 'omnistack', 'bookmaster'];

/**
 * Seeds PEOPLE people linked every way, with multi-document and multi-row inserts: a few dozen
 * round trips in all. Every 100th CRM record lacks its Bookmaster link (one missing-link issue each).
 */
async function seedPeople(fixture: AuditFixture): Promise<void> {
  const people = Array.from({ length: PEOPLE }, (_, index) => ({
    crm: new ObjectId(),
    omnistack: new ObjectId(),
    bookmaster: `bm_${index.toString(36)}`,
    unlinked: index % (PEOPLE / UNLINKED) === 0,
  }));
  for (let start = 0; start < PEOPLE; start += INSERT_CHUNK) {
    const chunk = people.slice(start, start + INSERT_CHUNK);
    await fixture.crm.collection('User').insertMany(
      chunk.map((person, at) => ({
        _id: person.crm,
        email: `crm-${start + at}@example.com`,
        role: 'SALES',
        externalIds: person.unlinked ? { omnistack: person.omnistack.toHexString() } : { omnistack: person.omnistack.toHexString(), bookmaster: person.bookmaster },
      })),
    );
    await fixture.omnistack.collection('users').insertMany(
      chunk.map((person, at) => ({ _id: person.omnistack, email: `omni-${start + at}@example.com`, name: 'A', surname: 'B', external_ids: [`crm_${person.crm.toHexString()}`, person.bookmaster] })),
    );
    const rows = chunk.map((person, at) => ({ id: person.bookmaster, email: `bm-${start + at}@example.com`, external_ids: { crm: person.crm.toHexString(), omnistack: person.omnistack.toHexString() } }));
    await fixture.bookmaster.query(
      `insert into users (id, email, external_ids) select id, email, external_ids from jsonb_to_recordset($1::jsonb) as r(id text, email text, external_ids jsonb)`,
      [JSON.stringify(rows)],
    );
  }
}

function fakeJob(data: object): Job {
  return { id: newRunId('audit'), name: 'audit', data, updateProgress: async () => undefined } as unknown as Job;
}

describe('audit round trips on 10,000 people', () => {
  let fixture: AuditFixture;

  beforeAll(async () => {
    fixture = await createAuditFixture({ workers: false });
    await seedPeople(fixture);
  }, 120_000);

  afterAll(async () => {
    await fixture.dispose();
  }, 60_000);

  it.each([1_000, 250])('grows with N / batch size (batch size %i), not with N', async (batchSize) => {
    const audit = createAuditProcessor(fixture.deps, { ...fixture.config, maintenance: { batchSize } });
    const { rows } = await fixture.deps.ledgerPool.query<{ platform: string; held: number }>('select platform, count(*)::int as held from link_index group by platform');
    // Merging, the rebuild's look-up of rows the scan did not see reads every row held before, a
    // page at a time per scanned system (the last page short, maybe empty).
    const held = (platform: string) => rows.find((row) => row.platform === platform)?.held ?? 0;
    const keyPages = SCANNED.reduce((pages, platform) => pages + Math.floor(held(platform) / UNSEEN_PAGE_ROWS) + 1, 0);
    // Its statements: merging, a table on each of its two connections and its start, one chunk
    // (30,000 rows, under 100,000) streamed, merged and cleared, its pages of keys (every row seen:
    // nothing to drop) and the index analyzed; into an empty index, one connection's table and the
    // start, the stream, the load table made, filled, then indexed and swapped in, and the index
    // analyzed. The tables end with their connections.
    const rebuild = rows.length === 0 ? 2 + 1 + 3 + 1 : 3 + 3 + keyPages + 1;
    fixture.resetCounts();
    const started = performance.now();
    const report = (await audit(fakeJob({ trigger: { type: 'command', via: 'cli' }, reportOnly: true }))) as AuditReport;
    const seconds = (performance.now() - started) / 1_000;
    const counts = fixture.counts();
    const batches = Math.ceil(PEOPLE / batchSize);
    console.info(`audit of ${PEOPLE} people, batch ${batchSize}: ${JSON.stringify(counts)} in ${seconds.toFixed(1)} s`);

    expect(report).toMatchObject({ people: PEOPLE, inconsistent: UNLINKED, issues: { 'missing-link': UNLINKED } });
    // Two collections: one find or getMore per batch each, plus at most one closing getMore.
    expect(counts.mongo).toBeGreaterThanOrEqual(2 * batches);
    expect(counts.mongo).toBeLessThanOrEqual(2 * (batches + 1));
    // One keyset page per batch.
    expect(counts.bookmaster).toBe(batches);
    // Run row in and out, one sync_status upsert per batch and one cleanup, one findings statement per
    // batch of findings; the link index's rebuild (above).
    expect(counts.ledger).toBe(2 + batches + 1 + Math.ceil(UNLINKED / batchSize) + rebuild);
    // Even at batches of 250, fewer than one round trip per 25 people.
    expect(counts.mongo + counts.bookmaster + counts.ledger).toBeLessThan(PEOPLE / 25);
    // 3 s on a quiet machine; a bound, not a measure: beside other work it took 30 s.
  }, 120_000);
});
