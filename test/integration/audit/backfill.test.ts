import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BackfillReport } from '../../../src/jobs/backfill-processor.ts';
import { IdsyncError } from '../../../src/errors.ts';
import { createAuditFixture } from './audit-fixture.ts';
import type { AuditFixture } from './audit-fixture.ts';
import { seedPlanted } from './planted.ts';

const BY_HAND = { trigger: { type: 'command', via: 'cli' } } as const;
/** seedPlanted(stores, 3): 3 consistent people and 7 planted ones. */
const RECORDS = { crm: 10, omnistack: 11, bookmaster: 8 };

async function queuedReconciles(fixture: AuditFixture): Promise<string[]> {
  const jobs = await fixture.queues.byName.reconcile.getJobs(['waiting', 'delayed', 'prioritized']);
  return jobs.map((job) => `${String(job.data.platform)}:${String(job.data.id)}`).sort();
}

describe('backfill', () => {
  let fixture: AuditFixture;

  afterEach(async () => {
    await fixture.dispose();
  });

  it('enqueues one reconcile per record of the chosen systems, in bulk', async () => {
    fixture = await createAuditFixture({ env: { AUDIT_BATCH_SIZE: '4' }, reconcileWorkers: false });
    await seedPlanted(fixture);
    const addBulk = vi.spyOn(fixture.queues.byName.reconcile, 'addBulk');
    const add = vi.spyOn(fixture.queues.byName.reconcile, 'add');
    const report = await fixture.runJob<BackfillReport>('backfill', { ...BY_HAND, platforms: ['bookmaster', 'crm'] });
    expect(report).toMatchObject({ platforms: ['crm', 'bookmaster'], enqueued: { crm: RECORDS.crm, bookmaster: RECORDS.bookmaster }, total: RECORDS.crm + RECORDS.bookmaster, resumed: false });
    expect(add).not.toHaveBeenCalled();
    expect(addBulk).toHaveBeenCalledTimes(Math.ceil(RECORDS.crm / 4) + Math.ceil(RECORDS.bookmaster / 4));
    const queued = await queuedReconciles(fixture);
    expect(queued).toHaveLength(RECORDS.crm + RECORDS.bookmaster);
    expect(new Set(queued.map((key) => key.split(':')[0]))).toEqual(new Set(['crm', 'bookmaster']));

    // Run again while those wait: deduplicated per record, as watcher events are.
    await fixture.runJob<BackfillReport>('backfill', { ...BY_HAND, platforms: ['crm'] });
    expect(await queuedReconciles(fixture)).toEqual(queued);
  });

  it('resumes after a crash from its checkpoint, enqueuing no record twice', async () => {
    let crashes = 0;
    fixture = await createAuditFixture({
      env: { AUDIT_BATCH_SIZE: '3' },
      reconcileWorkers: false,
      backfill: {
        afterBatch: (progress) => {
          // The first attempt dies in the middle of OmniStack, after its second batch there.
          if (crashes === 0 && progress.platform === 'omnistack' && progress.enqueued.omnistack === 6) {
            crashes += 1;
            // A store that stops answering: retryable, so BullMQ runs the job again.
            throw new IdsyncError('IDSYNC_ERR_STORE_UNAVAILABLE', 'the store went away');
          }
        },
      },
    });
    await seedPlanted(fixture);
    const addBulk = vi.spyOn(fixture.queues.byName.reconcile, 'addBulk');
    const report = await fixture.runJob<BackfillReport>('backfill', BY_HAND);
    expect(crashes).toBe(1);
    expect(report).toMatchObject({ resumed: true, enqueued: RECORDS, total: RECORDS.crm + RECORDS.omnistack + RECORDS.bookmaster });
    const handedOver = addBulk.mock.calls.flatMap(([jobs]) => jobs.map((job) => `${String(job.data.platform)}:${String(job.data.id)}`));
    expect(handedOver).toHaveLength(new Set(handedOver).size);
    expect(handedOver).toHaveLength(report.total);
    const { rows } = await fixture.ledger.connection.pool.query('select status from audit_runs where id = $1', [report.runId]);
    expect(rows).toEqual([{ status: 'completed' }]);
  });

  it('fails at once for a platform it cannot enumerate', async () => {
    fixture = await createAuditFixture({ reconcileWorkers: false });
    const error = await fixture.runJob('backfill', { ...BY_HAND, platforms: ['supabase'] }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'IDSYNC_ERR_PLATFORM_UNAVAILABLE' });
  });
});
