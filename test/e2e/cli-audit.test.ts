import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../jobs/audit-processor.ts';
import { createAuditFixture } from '../integration/audit/audit-fixture.ts';
import type { AuditFixture } from '../integration/audit/audit-fixture.ts';
import { seedPlanted } from '../integration/audit/planted.ts';
import { runIdsync } from '../support/idsync-process.ts';
import { waitFor } from '../support/wait-for.ts';

describe('idsync audit', () => {
  let fixture: AuditFixture;

  beforeEach(async () => {
    fixture = await createAuditFixture({ reconcileWorkers: false });
    await seedPlanted(fixture);
  });

  afterEach(async () => {
    await fixture.dispose();
  });

  it('--wait --report-only --json prints the run\'s counts, as its ledger row keeps them, and enqueues nothing', async () => {
    const cli = runIdsync(['audit', '--wait', '--report-only', '--json'], fixture.env);
    expect(await cli.exited).toBe(0);
    const report = cli.logs.at(-1) as unknown as AuditReport;
    expect(report).toMatchObject({ reportOnly: true, inconsistent: 7, enqueued: 0, issues: { conflict: 1, 'missing-link': 2 } });
    const { rows } = await fixture.ledger.connection.pool.query('select kind, status, trigger, counts from audit_runs where id = $1', [report.runId]);
    expect(rows).toEqual([{ kind: 'audit', status: 'completed', trigger: { type: 'command', via: 'cli' }, counts: report }]);
    expect(await fixture.queues.byName.reconcile.count()).toBe(0);
  });

  it('without --wait prints the run id and returns; the run then completes and enqueues the repairs', async () => {
    const cli = runIdsync(['audit', '--json'], fixture.env);
    expect(await cli.exited).toBe(0);
    const { runId } = cli.logs.at(-1) as { runId: string };
    expect(runId).toMatch(/^audit-/);
    await waitFor('the audit run to complete', async () => {
      const { rows } = await fixture.ledger.connection.pool.query<{ status: string }>('select status from audit_runs where id = $1', [runId]);
      return rows[0]?.status === 'completed';
    });
    expect(await fixture.queues.byName.reconcile.count()).toBe(4);
  });

  it('exits 2 on bad usage', async () => {
    const cli = runIdsync(['audit', '--timeout', 'soon'], fixture.env);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain('IDSYNC_ERR_USAGE');
  });
});
