import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/jobs/audit-processor.ts';
import { createAuditFixture } from '../integration/audit/audit-fixture.ts';
import type { AuditFixture } from '../integration/audit/audit-fixture.ts';
import { seedPlanted } from '../integration/audit/planted.ts';
import type { PlantedSet } from '../integration/audit/planted.ts';
import { runIdsync } from '../support/idsync-process.ts';
import { waitFor } from '../support/wait-for.ts';

describe('idsync audit', () => {
  let fixture: AuditFixture;
  let planted: PlantedSet;

  beforeEach(async () => {
    fixture = await createAuditFixture({ reconcileWorkers: false });
    planted = await seedPlanted(fixture);
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

  it('--wait names the inconsistent people, each with the kinds of their issues', async () => {
    const json = runIdsync(['audit', '--wait', '--report-only', '--json'], fixture.env);
    expect(await json.exited).toBe(0);
    const report = json.logs.at(-1) as unknown as AuditReport;
    const kindsByPerson = new Map<string, Set<string>>();
    for (const issue of planted.before) kindsByPerson.set(issue.personKey, (kindsByPerson.get(issue.personKey) ?? new Set()).add(issue.kind));
    const named = (report.firstInconsistent ?? []).map((person) => [person.personKey, [...person.kinds].sort()]);
    expect(named.sort()).toEqual([...kindsByPerson].map(([personKey, kinds]) => [personKey, [...kinds].sort()]).sort());
    expect(report.firstInconsistent?.length).toBe(kindsByPerson.size);
    expect((report.firstInconsistent ?? []).every((person) => person.personKey === `crm:${person.userId}`)).toBe(true);
    const text = runIdsync(['audit', '--wait', '--report-only'], fixture.env);
    expect(await text.exited).toBe(0);
    expect(text.stdout()).toContain(`crm:${planted.crm.conflict}: conflict`);
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
