import { Job, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJobFailure } from '../../src/jobs/job-errors.ts';
import { startWorkers } from '../../src/jobs/worker-runner.ts';
import type { WorkerRunner } from '../../src/jobs/worker-runner.ts';
import { exitCodeOf } from '../../src/cli/exit-codes.ts';
import { waitForJob } from '../../src/cli/commands/queue-client.ts';
import type { QueueClient } from '../../src/cli/commands/queue-client.ts';
import { codes, IdsyncError } from '../../src/errors.ts';
import { EmailTakenError } from '../../src/platforms/profile-target.ts';
import { createQueues } from '../../src/queues/queues.ts';
import { createLedgerFixture } from '../support/ledger-fixture.ts';
import type { LedgerFixture } from '../support/ledger-fixture.ts';
import { capturingLogger } from '../support/log-capture.ts';
import { uniqueName } from '../support/names.ts';
import { testConfig } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

const WAIT_MS = 10_000;
const RECORD_ID = '6650f0c2a1b2c3d4e5f60718';

/*
 * A failed job carries its code and platform as data (src/jobs/job-errors.ts), written by the real
 * worker runner on the real Redis; a command waiting for the job reads them from there.
 */
describe('a failed job', () => {
  const prefix = uniqueName('job_failures');
  let redis: Redis;
  let ledger: LedgerFixture;
  let runner: WorkerRunner;
  let client: QueueClient;
  /** What each attempt of a `flaky` job saw as its data. */
  const seen: unknown[] = [];

  beforeAll(async () => {
    redis = new Redis(testConfig().redis.url, { maxRetriesPerRequest: null });
    ledger = await createLedgerFixture();
    const queues = createQueues({ connection: redis, prefix, attempts: 3, backoffMs: 10 });
    const processor = async (job: Job): Promise<unknown> => {
      seen.push(job.name === 'flaky' ? { ...job.data } : undefined);
      if (job.name === 'taken') throw new EmailTakenError('omnistack', RECORD_ID, 'duplicate-key');
      if (job.name === 'crash') throw new TypeError('a bug');
      if (job.name === 'flaky' && job.attemptsMade === 0) throw new IdsyncError(codes.STORE_UNAVAILABLE, 'the store went away');
      return job.data;
    };
    runner = startWorkers({ reconcile: processor }, ledger.ledger, capturingLogger().logger, { connection: redis, prefix, isRetryable: () => false });
    const events = new QueueEvents('reconcile', { connection: redis.duplicate(), prefix });
    await events.waitUntilReady();
    client = { queues, events, close: async () => undefined };
  });

  afterAll(async () => {
    await runner.close();
    await client.events?.close();
    await client.queues.byName.reconcile.obliterate({ force: true });
    await client.queues.byName.propagate.obliterate({ force: true });
    await client.queues.close();
    await redis.quit();
    await ledger.dispose();
  });

  async function failed(name: string, data: unknown): Promise<{ job: Job; error: unknown }> {
    const job = await client.queues.byName.reconcile.add(name, data);
    const error = await waitForJob(client, job, WAIT_MS, `job ${job.id}`).then(() => new Error('completed'), (rejection: unknown) => rejection);
    const stored = await Job.fromId(client.queues.byName.reconcile, job.id ?? '');
    if (!stored) throw new Error(`job ${job.id} is gone`);
    return { job: stored, error };
  }

  it('that no retry can pass fails once, keeping its code and platform as data; the waiting command gets them and exits 1', async () => {
    const { job, error } = await failed('taken', { payload: 1 });

    expect(job.attemptsMade).toBe(1);
    expect(readJobFailure(job)).toEqual({ code: 'IDSYNC_ERR_EMAIL_TAKEN', platform: 'omnistack' });
    expect(error).toMatchObject({ code: 'IDSYNC_ERR_EMAIL_TAKEN', platform: 'omnistack' });
    expect(exitCodeOf(error as IdsyncError)).toBe(1);
    const row = await waitFor('the sync error row', async () => {
      const { rows } = await ledger.connection.pool.query('select error_code, platform from sync_errors where job_id = $1', [job.id]);
      return rows[0] as Record<string, unknown> | undefined;
    });
    expect(row).toEqual({ error_code: 'IDSYNC_ERR_EMAIL_TAKEN', platform: 'omnistack' });
  });

  it("with an error that is not idsync's is IDSYNC_ERR_UNEXPECTED, and fails once when the runner says it is not retryable", async () => {
    const { job, error } = await failed('crash', { payload: 2 });

    expect(job.attemptsMade).toBe(1);
    expect(readJobFailure(job)).toEqual({ code: 'IDSYNC_ERR_UNEXPECTED', platform: null });
    expect(error).toMatchObject({ code: 'IDSYNC_ERR_UNEXPECTED' });
  });

  it('whose payload is no object has nowhere to keep its code: the waiting command says IDSYNC_ERR_JOB_FAILED', async () => {
    const { job, error } = await failed('taken', ['not', 'an', 'object']);

    expect(readJobFailure(job)).toBeNull();
    expect(job.data).toEqual(['not', 'an', 'object']);
    expect(error).toMatchObject({ code: 'IDSYNC_ERR_JOB_FAILED', platform: null });
  });

  it('that passes on retry runs again on its own payload: the failure is removed first', async () => {
    const job = await client.queues.byName.reconcile.add('flaky', { payload: 3 });

    expect(await waitForJob(client, job, WAIT_MS, `job ${job.id}`)).toEqual({ payload: 3 });
    expect(seen.filter((data) => data !== undefined)).toEqual([{ payload: 3 }, { payload: 3 }]);
    expect((await Job.fromId(client.queues.byName.reconcile, job.id ?? ''))?.data).toEqual({ payload: 3 });
  });

  it('still waiting at the deadline is IDSYNC_ERR_WAIT_TIMEOUT, and the job stays queued', async () => {
    // No worker runs the propagate queue here.
    const job = await client.queues.byName.propagate.add('profile', { payload: 4 });
    await expect(waitForJob(client, job, 200, `job ${job.id}`)).rejects.toMatchObject({ code: 'IDSYNC_ERR_WAIT_TIMEOUT' });
    expect(await job.getState()).toBe('waiting');
  });
});
