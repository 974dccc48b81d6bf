import type { Job } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackfillProcessor } from '../../../src/jobs/backfill-processor.ts';
import type { BackfillOptions } from '../../../src/jobs/backfill-processor.ts';
import { IdsyncError } from '../../../src/errors.ts';
import { openPostgres } from '../../../src/platforms/postgres-pool.ts';
import type { PostgresConnection } from '../../../src/platforms/postgres-pool.ts';
import { newRunId } from '../../../src/queues/run-id.ts';
import { capturingLogger } from '../../support/log-capture.ts';
import { createAuditFixture } from './audit-fixture.ts';
import type { AuditFixture } from './audit-fixture.ts';
import { seedPlanted } from './planted.ts';

function backfillJob(): Job {
  const data = { trigger: { type: 'command', via: 'cli' }, platforms: ['crm'] };
  return { id: newRunId('backfill'), name: 'backfill', data, updateProgress: async () => undefined } as unknown as Job;
}

/*
 * Every maintenance processor keeps its audit_runs row through one helper (src/jobs/maintenance-run.ts).
 * Here the run's ledger is a pool of its own that the test ends once the run has started: from
 * then on every write to it fails, as against a ledger that went away. The backfill's own work
 * does not touch the ledger, so it completes, and only the run's bookkeeping fails.
 */
describe('a maintenance run whose ledger fails', () => {
  let fixture: AuditFixture;
  let ledger: PostgresConnection;

  beforeEach(async () => {
    fixture = await createAuditFixture({ workers: false });
    await seedPlanted(fixture);
    ledger = await openPostgres('ledger', fixture.ledger.url);
  });

  afterEach(async () => {
    await ledger.close();
    await fixture.dispose();
  });

  function processorWith(backfill: BackfillOptions) {
    const { logger, logs } = capturingLogger();
    const processor = createBackfillProcessor({ ...fixture.deps, ledgerPool: ledger.pool, logger }, fixture.config, backfill);
    return { processor, logs };
  }

  // close() may be called again (afterEach does).
  const endLedger = () => ledger.close();

  async function statusOf(runId: string): Promise<string | undefined> {
    const { rows } = await fixture.ledger.connection.pool.query<{ status: string }>('select status from audit_runs where id = $1', [runId]);
    return rows[0]?.status;
  }

  it('fails the run when its finish cannot be recorded, and logs the ledger error', async () => {
    const { processor, logs } = processorWith({ afterBatch: endLedger });
    const job = backfillJob();

    const error = await processor(job).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    // The work completed, but the run did not: its row still says so, and the job fails.
    expect(await statusOf(job.id as string)).toBe('running');
    expect(logs.filter((entry) => entry.msg === 'backfill finished')).toEqual([]);
    const logged = logs.filter((entry) => entry.msg === 'could not record the run in the ledger');
    expect(logged).toMatchObject([{ runId: job.id, kind: 'backfill', step: 'finish' }]);
  });

  it('fails with the work’s own error when the work fails too, and logs the ledger error', async () => {
    const { processor, logs } = processorWith({
      afterBatch: async () => {
        await endLedger();
        throw new IdsyncError('IDSYNC_ERR_STORE_UNAVAILABLE', 'the store went away');
      },
    });
    const job = backfillJob();

    await expect(processor(job)).rejects.toMatchObject({ code: 'IDSYNC_ERR_STORE_UNAVAILABLE' });
    expect(await statusOf(job.id as string)).toBe('running');
    const logged = logs.filter((entry) => entry.msg === 'could not record the run in the ledger');
    expect(logged).toMatchObject([{ runId: job.id, kind: 'backfill', step: 'finish' }]);
  });

  it('records a run whose ledger answers as completed (the same helper, no failure)', async () => {
    const { processor, logs } = processorWith({});
    const job = backfillJob();

    await processor(job);
    expect(await statusOf(job.id as string)).toBe('completed');
    expect(logs.filter((entry) => entry.msg === 'could not record the run in the ledger')).toEqual([]);
  });
});
