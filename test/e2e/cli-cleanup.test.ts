import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CleanupReport } from '../../src/jobs/cleanup-processor.ts';
import { createAuditFixture } from '../integration/audit/audit-fixture.ts';
import type { AuditFixture } from '../integration/audit/audit-fixture.ts';
import { seedPlanted } from '../integration/audit/planted.ts';
import { runIdsync } from '../support/idsync-process.ts';

describe('idsync cleanup', () => {
  let fixture: AuditFixture;

  beforeEach(async () => {
    fixture = await createAuditFixture({ env: { CLEANUP_MODE: 'apply' }, reconcileWorkers: false });
    await seedPlanted(fixture, 10);
  });

  afterEach(async () => {
    await fixture.dispose();
  });

  it('a run that trips the breaker removes nothing until `cleanup confirm <run-id>`', async () => {
    await fixture.bookmaster.query('delete from users');
    const run = runIdsync(['cleanup', 'run', '--wait', '--json'], fixture.env);
    expect(await run.exited).toBe(0);
    const held = run.logs.at(-1) as unknown as CleanupReport;
    expect(held).toMatchObject({ status: 'awaiting-confirmation', reason: 'IDSYNC_ERR_CLEANUP_BREAKER', removed: 0 });
    const linked = await fixture.crm.collection('User').countDocuments({ 'externalIds.bookmaster': { $exists: true } });
    expect(linked).toBeGreaterThan(0);

    const text = runIdsync(['cleanup', 'confirm', held.runId, '--wait'], fixture.env);
    expect(await text.exited).toBe(0);
    expect(text.logs.map((line) => line.raw).join('\n')).toContain(`cleanup ${held.runId} (apply)`);
    expect(await fixture.crm.collection('User').countDocuments({ 'externalIds.bookmaster': { $exists: true } })).toBe(0);
    const { rows } = await fixture.ledger.connection.pool.query('select status from audit_runs where id = $1', [held.runId]);
    expect(rows).toEqual([{ status: 'completed' }]);
  });

  it("`cleanup run` carries its own CLEANUP_MODE to the worker: report from the command removes nothing on a worker set to apply", async () => {
    await fixture.bookmaster.query('delete from users');
    const linked = () => fixture.crm.collection('User').countDocuments({ 'externalIds.bookmaster': { $exists: true } });
    const before = await linked();
    const run = runIdsync(['cleanup', 'run', '--wait', '--json'], { ...fixture.env, CLEANUP_MODE: 'report' });
    expect(await run.exited).toBe(0);
    const report = run.logs.at(-1) as unknown as CleanupReport;
    expect(report).toMatchObject({ mode: 'report', status: 'completed', removed: 0 });
    expect(report.orphanReferences).toBeGreaterThan(0);
    expect(await linked()).toBe(before);
  });

  it('`cleanup run` carries its own CLEANUP_MAX_FRACTION: a command allowing every link through is not held by the worker\'s 0.05', async () => {
    await fixture.bookmaster.query('delete from users');
    const run = runIdsync(['cleanup', 'run', '--wait', '--json'], { ...fixture.env, CLEANUP_MODE: 'apply', CLEANUP_MAX_FRACTION: '1' });
    expect(await run.exited).toBe(0);
    const report = run.logs.at(-1) as unknown as CleanupReport;
    expect(report).toMatchObject({ mode: 'apply', status: 'completed', breaker: { maxFraction: 1, trip: false } });
    expect(report.removed).toBeGreaterThan(0);
    expect(await fixture.crm.collection('User').countDocuments({ 'externalIds.bookmaster': { $exists: true } })).toBe(0);
  });

  it('confirm of an unknown run exits 1 with IDSYNC_ERR_RUN_NOT_FOUND', async () => {
    const cli = runIdsync(['cleanup', 'confirm', 'cleanup-orphans-nope'], fixture.env);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain('[IDSYNC_ERR_RUN_NOT_FOUND]');
  });

  it('confirm of a run that does not await confirmation exits 1 with IDSYNC_ERR_RUN_NOT_AWAITING', async () => {
    const run = runIdsync(['cleanup', 'run', '--wait', '--json'], fixture.env);
    expect(await run.exited).toBe(0);
    const done = run.logs.at(-1) as unknown as CleanupReport;
    expect(done.status).toBe('completed');
    const cli = runIdsync(['cleanup', 'confirm', done.runId], fixture.env);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain('[IDSYNC_ERR_RUN_NOT_AWAITING]');
  });

  it('exits 2 on a missing run id', async () => {
    const cli = runIdsync(['cleanup', 'confirm'], fixture.env);
    expect(await cli.exited).toBe(2);
  });
});
