import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLedger } from '../../src/ledger/ledger.ts';
import { createLinkIndex } from '../../src/link-index/link-index.ts';
import { openPostgres } from '../../src/platforms/postgres-pool.ts';
import type { PostgresConnection } from '../../src/platforms/postgres-pool.ts';
import { createLedgerFixture } from '../support/ledger-fixture.ts';
import type { LedgerFixture } from '../support/ledger-fixture.ts';
import { crmRecord } from '../support/link-index-records.ts';

/*
 * idsync's named statements on its own database are planned at most five times per connection:
 * after that Postgres runs its cached plan, on an index of some size. Read from the server's own count of plans per prepared
 * statement (pg_prepared_statements, one connection), so it holds whatever the machine's speed.
 */

const RUNS = 8;
const SEEDED_ROWS = 20_000;
const PLANS_BEFORE_CACHED = 5;
const provenance = { trigger: { type: 'command' as const, via: 'cli' as const }, jobId: 'plans', rule: 'test' };

describe('named statements', () => {
  let fixture: LedgerFixture;
  let connection: PostgresConnection;

  beforeEach(async () => {
    fixture = await createLedgerFixture();
    connection = await openPostgres('ledger', fixture.url, { maxConnections: 1 });
    // On a near-empty table every plan costs about the same, and Postgres caches whatever the statement.
    await connection.pool.query(`insert into link_index (kind, platform, record_id, email_hash, claims)
      select 'user', 'omnistack', 'seeded-' || n, sha256(n::text::bytea), array['crm:seeded-' || n] from generate_series(1, ${SEEDED_ROWS}) as n`);
    await connection.pool.query('analyze link_index');
  });

  afterEach(async () => {
    await connection.close();
    await fixture.dispose();
  });

  it('run on a cached plan after the fifth time', async () => {
    const links = createLinkIndex(connection.pool);
    const ledger = createLedger(connection.pool);
    for (let run = 0; run < RUNS; run += 1) {
      const record = crmRecord(`crm-${run}`, `omni-${run}`, `person-${run}@example.com`);
      const gone = { platform: 'bookmaster' as const, id: `gone-${run}` };
      await links.claimersAndRows([{ platform: 'omnistack', id: `omni-${run}` }, record]);
      await links.rowsOf([record]);
      await links.holdersOf(['crm'], [`person-${run}@example.com`]);
      await links.refresh([record], [gone]);
      const row = { personKey: `crm:crm-${run}`, platform: 'crm', recordId: record.id, provenance };
      await ledger.recordOutcome([{ ...row, field: 'links.omnistack', before: null, after: `omni-${run}` }], [{ ...row, kind: 'orphan', detail: { run } }]);
    }
    const { rows } = await connection.pool.query<{ name: string; generic: number; custom: number }>(
      "select name, generic_plans::int as generic, custom_plans::int as custom from pg_prepared_statements where name like 'idsync-%' order by name",
    );
    expect(rows.map((row) => row.name)).toEqual([
      'idsync-ledger-insert-writes',
      'idsync-ledger-upsert-findings',
      'idsync-link-index-claimers-and-rows',
      'idsync-link-index-holders',
      'idsync-link-index-refresh',
      'idsync-link-index-rows',
    ]);
    // Each run was planned afresh (custom) or ran on the cached plan (generic).
    const plans = rows.map((row) => ({ name: row.name, runs: row.custom + row.generic, plannedAtMostFiveTimes: row.custom <= PLANS_BEFORE_CACHED }));
    expect(plans).toEqual(rows.map((row) => ({ name: row.name, runs: RUNS, plannedAtMostFiveTimes: true })));
  });
});
