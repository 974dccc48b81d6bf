import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/jobs/audit-processor.ts';
import type { BackfillReport } from '../../src/jobs/backfill-processor.ts';
import type { PlannedWrite } from '../../src/audit/planned-writes.ts';
import { createAuditFixture } from '../integration/audit/audit-fixture.ts';
import type { AuditFixture } from '../integration/audit/audit-fixture.ts';
import { seedPlanted } from '../integration/audit/planted.ts';
import { runIdsync } from '../support/idsync-process.ts';

interface DryRun {
  dryRun: true;
  people: number;
  total: number;
  summary: Record<string, Record<string, number>>;
  patches: Array<{ platform: string; recordId: string; set: object; unset: string[] }>;
  writes: PlannedWrite[];
}

async function everything(fixture: AuditFixture): Promise<unknown[]> {
  const crm = await fixture.crm.collection('User').find({}, { sort: { _id: 1 } }).toArray();
  const omnistack = await fixture.omnistack.collection('users').find({}, { sort: { _id: 1 } }).toArray();
  const { rows: bookmaster } = await fixture.bookmaster.query('select * from users order by id');
  const { rows: ledger } = await fixture.ledger.connection.pool.query(
    'select (select count(*) from sync_writes) + (select count(*) from findings) + (select count(*) from audit_runs) + (select count(*) from sync_status) as n',
  );
  return [crm, omnistack, bookmaster, ledger, await fixture.queues.byName.reconcile.count(), await fixture.queues.byName.maintenance.count()];
}

const writeKey = (write: { platform: string; recordId: string; field: string; before: unknown; after: unknown }) =>
  JSON.stringify([write.platform, write.recordId, write.field, write.before, write.after]);

describe('idsync backfill', () => {
  let fixture: AuditFixture;

  beforeEach(async () => {
    fixture = await createAuditFixture();
    await seedPlanted(fixture);
  });

  afterEach(async () => {
    await fixture.dispose();
  });

  it('--dry-run lists exactly the writes the repair then makes, and writes nothing itself', async () => {
    const before = await everything(fixture);
    const cli = runIdsync(['backfill', '--dry-run', '--json'], fixture.env);
    expect(await cli.exited).toBe(0);
    const dryRun = cli.logs.at(-1) as unknown as DryRun;
    expect(await everything(fixture)).toEqual(before);
    expect(dryRun).toMatchObject({ dryRun: true, total: 6 });
    expect(dryRun.summary).toEqual({
      crm: { add: 1, replace: 1, clean: 0, remove: 0 },
      omnistack: { add: 1, replace: 0, clean: 1, remove: 1 },
      bookmaster: { add: 1, replace: 0, clean: 0, remove: 0 },
    });
    expect(dryRun.patches).toHaveLength(6);

    const repair = await fixture.runJob<AuditReport>('audit', { trigger: { type: 'command', via: 'cli' } });
    expect(repair.enqueued).toBeGreaterThan(0);
    await fixture.reconcilesDrained();
    const { rows } = await fixture.ledger.connection.pool.query<{ platform: string; record_id: string; field: string; before_value: unknown; after_value: unknown }>(
      'select platform, record_id, field, before_value, after_value from sync_writes',
    );
    const made = rows.map((row) => writeKey({ platform: row.platform, recordId: row.record_id, field: row.field, before: row.before_value, after: row.after_value }));
    expect(made.sort()).toEqual(dryRun.writes.map(writeKey).sort());
  });

  it('--dry-run prints writes per system and kind as text', async () => {
    const cli = runIdsync(['backfill', '--dry-run', '--platform', 'bookmaster'], fixture.env);
    expect(await cli.exited).toBe(0);
    const text = cli.logs.map((line) => line.raw).join('\n');
    expect(text).toContain('planned writes (nothing written)');
    expect(text).toMatch(/bookmaster: add 1, replace 0, clean 0, remove 0/);
  });

  it('enqueues every record of the chosen systems and reports progress', async () => {
    const cli = runIdsync(['backfill', '--platform', 'crm', '--platform', 'bookmaster', '--json'], { ...fixture.env, AUDIT_BATCH_SIZE: '3' });
    expect(await cli.exited).toBe(0);
    const report = cli.logs.at(-1) as unknown as BackfillReport;
    expect(report).toMatchObject({ platforms: ['crm', 'bookmaster'], enqueued: { crm: 10, bookmaster: 8 }, total: 18 });
    expect(cli.stderr()).toMatch(/backfill .*crm \d+.* enqueued/);
  });

  it.each([
    [['--platform', 'erp'], 'IDSYNC_ERR_UNKNOWN_PLATFORM'],
    [['--platform', 'supabase'], 'IDSYNC_ERR_PLATFORM_NOT_SYNCED'],
  ])('exits 2 for %j', async (args, code) => {
    const cli = runIdsync(['backfill', ...args], fixture.env);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain(`[${code}]`);
  });
});
