import { afterEach, describe, expect, it } from 'vitest';
import type { CleanupReport } from '../../../src/jobs/cleanup-processor.ts';
import { newObjectId, rawDocument } from '../../support/platform-seeders.ts';
import { createAuditFixture } from './audit-fixture.ts';
import type { AuditFixture } from './audit-fixture.ts';
import { seedPlanted } from './planted.ts';

const BY_HAND = { trigger: { type: 'command', via: 'cli' } } as const;

async function snapshot(fixture: AuditFixture): Promise<unknown[]> {
  const crm = await fixture.crm.collection('User').find({}, { sort: { _id: 1 } }).toArray();
  const omnistack = await fixture.omnistack.collection('users').find({}, { sort: { _id: 1 } }).toArray();
  const { rows } = await fixture.bookmaster.query('select id, external_ids, updated_at from users order by id');
  return [crm, omnistack, rows];
}

async function runRow(fixture: AuditFixture, runId: string) {
  const { rows } = await fixture.ledger.connection.pool.query<{ status: string; counts: Record<string, unknown> }>('select status, counts from audit_runs where id = $1', [runId]);
  return rows[0];
}

describe('cleanup-orphans', () => {
  let fixture: AuditFixture;

  afterEach(async () => {
    await fixture.dispose();
  });

  it('lists orphan references in report mode and changes nothing', async () => {
    fixture = await createAuditFixture({ env: { CLEANUP_MODE: 'report' } });
    const planted = await seedPlanted(fixture);
    const before = await snapshot(fixture);
    const report = await fixture.runJob<CleanupReport>('cleanup-orphans', BY_HAND);
    expect(report).toMatchObject({ mode: 'report', status: 'completed', orphanReferences: 2, removed: 0 });
    expect(report.references.map((reference) => reference.personKey).sort()).toEqual([`crm:${planted.crm.orphan}`, `crm:${planted.crm.orphanUnrepairable}`].sort());
    expect(await snapshot(fixture)).toEqual(before);
    const { rows } = await fixture.ledger.connection.pool.query('select count(*)::int as n from findings where kind = $1 and audit_run_id = $2', ['orphan', report.runId]);
    expect(rows[0]).toEqual({ n: 2 });
  });

  it('removes orphan references in apply mode when they are few, keeping the links that exist', async () => {
    fixture = await createAuditFixture({ env: { CLEANUP_MODE: 'apply' } });
    const planted = await seedPlanted(fixture);
    const report = await fixture.runJob<CleanupReport>('cleanup-orphans', BY_HAND);
    expect(report).toMatchObject({ mode: 'apply', status: 'completed', orphanReferences: 2, removed: 2, stale: 0 });
    expect(report.breaker.trip).toBe(false);
    const p7 = await rawDocument(fixture.crm, 'User', planted.crm.orphanUnrepairable);
    expect(Object.keys(p7?.externalIds as object)).toEqual(['omnistack']);
    const p4omni = report.references.find((reference) => reference.personKey === `crm:${planted.crm.orphan}`);
    const p4 = await rawDocument(fixture.omnistack, 'users', p4omni?.recordId ?? '');
    expect(p4?.external_ids).toEqual([`crm_${planted.crm.orphan}`, expect.stringMatching(/^bm_/)]);
    const { rows } = await fixture.ledger.connection.pool.query("select count(*)::int as n from sync_writes where provenance->>'rule' = 'orphan-cleanup'");
    expect(rows[0]).toEqual({ n: 2 });
    expect((await fixture.runJob<CleanupReport>('cleanup-orphans', BY_HAND)).orphanReferences).toBe(0);
  });

  it("runs in the mode the job carries (the enqueuing command's CLEANUP_MODE), not the worker's: apply on a worker set to report", async () => {
    fixture = await createAuditFixture({ env: { CLEANUP_MODE: 'report' } });
    await seedPlanted(fixture);
    const report = await fixture.runJob<CleanupReport>('cleanup-orphans', { ...BY_HAND, mode: 'apply' });
    expect(report).toMatchObject({ mode: 'apply', status: 'completed', orphanReferences: 2, removed: 2 });
    expect((await fixture.runJob<CleanupReport>('cleanup-orphans', BY_HAND)).orphanReferences).toBe(0);
  });

  it("and report on a worker set to apply, changing nothing; a run without a mode (a scheduled one) takes the worker's", async () => {
    fixture = await createAuditFixture({ env: { CLEANUP_MODE: 'apply' } });
    await seedPlanted(fixture);
    const before = await snapshot(fixture);
    const reported = await fixture.runJob<CleanupReport>('cleanup-orphans', { ...BY_HAND, mode: 'report' });
    expect(reported).toMatchObject({ mode: 'report', status: 'completed', orphanReferences: 2, removed: 0 });
    expect(await snapshot(fixture)).toEqual(before);
    const scheduled = await fixture.runJob<CleanupReport>('cleanup-orphans', { trigger: { type: 'schedule', scheduler: 'cleanup-orphans' } });
    expect(scheduled).toMatchObject({ mode: 'apply', removed: 2 });
  });

  it("holds or applies by the breaker fraction the job carries (the command's CLEANUP_MAX_FRACTION), not the worker's", async () => {
    fixture = await createAuditFixture({ env: { CLEANUP_MODE: 'apply', CLEANUP_MAX_FRACTION: '1' } });
    await seedPlanted(fixture, 10);
    await fixture.bookmaster.query('delete from users');
    const before = await snapshot(fixture);
    const held = await fixture.runJob<CleanupReport>('cleanup-orphans', { ...BY_HAND, mode: 'apply', maxFraction: 0.05 });
    expect(held).toMatchObject({ status: 'awaiting-confirmation', reason: 'IDSYNC_ERR_CLEANUP_BREAKER', removed: 0, breaker: { maxFraction: 0.05, trip: true } });
    expect(await snapshot(fixture)).toEqual(before);
    // A scheduled run carries none: the worker's fraction of 1 lets it through.
    const scheduled = await fixture.runJob<CleanupReport>('cleanup-orphans', { trigger: { type: 'schedule', scheduler: 'cleanup-orphans' } });
    expect(scheduled).toMatchObject({ status: 'completed', removed: held.orphanReferences, breaker: { maxFraction: 1, trip: false } });
  });

  it.each([
    ['a mode that is none', { ...BY_HAND, mode: 'delete' }],
    ['a mode on a confirmation, which always applies', { ...BY_HAND, confirmRunId: 'cleanup-orphans-20250101T000000Z-1a2b3c4d', mode: 'report' }],
    ['a breaker fraction above 1', { ...BY_HAND, maxFraction: 1.5 }],
    ['a breaker fraction that is a string', { ...BY_HAND, maxFraction: '0.05' }],
    ['a breaker fraction on a confirmation', { ...BY_HAND, confirmRunId: 'cleanup-orphans-20250101T000000Z-1a2b3c4d', maxFraction: 0.5 }],
  ])('a payload with %s fails at once with IDSYNC_ERR_INVALID_PAYLOAD and starts no run', async (_case, data) => {
    fixture = await createAuditFixture({ env: { CLEANUP_MODE: 'report' } });
    const failure = await fixture.runJob('cleanup-orphans', data).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'IDSYNC_ERR_INVALID_PAYLOAD' });
    const { rows } = await fixture.ledger.connection.pool.query('select count(*)::int as n from audit_runs');
    expect(rows[0]).toEqual({ n: 0 });
  });

  it('trips the breaker when a whole system was deleted: nothing is removed until the run is confirmed', async () => {
    fixture = await createAuditFixture({ env: { CLEANUP_MODE: 'apply', CLEANUP_MAX_FRACTION: '0.05' } });
    await seedPlanted(fixture, 10);
    await fixture.bookmaster.query('delete from users');
    const before = await snapshot(fixture);
    const held = await fixture.runJob<CleanupReport>('cleanup-orphans', BY_HAND);
    expect(held).toMatchObject({ status: 'awaiting-confirmation', reason: 'IDSYNC_ERR_CLEANUP_BREAKER', removed: 0 });
    expect(held.breaker.fraction).toBeGreaterThan(0.05);
    expect(await snapshot(fixture)).toEqual(before);
    expect(await runRow(fixture, held.runId)).toMatchObject({ status: 'awaiting-confirmation', counts: { reason: 'IDSYNC_ERR_CLEANUP_BREAKER', orphanReferences: held.orphanReferences } });

    // A scheduled run does not get past it either.
    const again = await fixture.runJob<CleanupReport>('cleanup-orphans', { trigger: { type: 'schedule', scheduler: 'cleanup-orphans' } });
    expect(again.status).toBe('awaiting-confirmation');
    expect(await snapshot(fixture)).toEqual(before);

    const confirmed = await fixture.runJob<CleanupReport>('cleanup-orphans', { ...BY_HAND, confirmRunId: held.runId });
    expect(confirmed).toMatchObject({ runId: held.runId, status: 'completed', removed: held.orphanReferences });
    expect(await runRow(fixture, held.runId)).toMatchObject({ status: 'completed' });
    const crmUsers = await fixture.crm.collection('User').find({}).toArray();
    expect(crmUsers.every((user) => (user.externalIds as Record<string, unknown>).bookmaster === undefined)).toBe(true);
  });

  it('refuses to confirm a run twice, and holds a confirmed run that would now remove more', async () => {
    fixture = await createAuditFixture({ env: { CLEANUP_MODE: 'apply' } });
    await seedPlanted(fixture, 10);
    await fixture.bookmaster.query('delete from users');
    const held = await fixture.runJob<CleanupReport>('cleanup-orphans', BY_HAND);
    // One more reference to a CRM user that does not exist.
    await fixture.omnistack.collection<{ external_ids: string[] }>('users').updateOne({}, { $push: { external_ids: `crm_${newObjectId()}` } });
    const grown = await fixture.runJob<CleanupReport>('cleanup-orphans', { ...BY_HAND, confirmRunId: held.runId });
    expect(grown).toMatchObject({ status: 'awaiting-confirmation', reason: 'IDSYNC_ERR_CLEANUP_EXCEEDS_CONFIRMED', removed: 0 });
    expect(grown.orphanReferences).toBeGreaterThan(held.orphanReferences);

    const done = await fixture.runJob<CleanupReport>('cleanup-orphans', { ...BY_HAND, confirmRunId: held.runId });
    expect(done.status).toBe('completed');
    const twice = await fixture.runJob('cleanup-orphans', { ...BY_HAND, confirmRunId: held.runId }).catch((error: unknown) => error);
    expect(twice).toMatchObject({ code: 'IDSYNC_ERR_RUN_NOT_AWAITING' });
  });
});
