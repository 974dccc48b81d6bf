import { Redis } from 'ioredis';
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createReconcileProcessor } from '../../src/jobs/reconcile-processor.ts';
import { startWorkers } from '../../src/jobs/worker-runner.ts';
import type { WorkerRunner } from '../../src/jobs/worker-runner.ts';
import { createLedger } from '../../src/ledger/ledger.ts';
import { createLinkIndex } from '../../src/link-index/link-index.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { createBookmasterAdapter } from '../../src/platforms/bookmaster/bookmaster-adapter.ts';
import { createCrmAdapter } from '../../src/platforms/crm/crm-adapter.ts';
import { createOmnistackAdapter } from '../../src/platforms/omnistack/omnistack-adapter.ts';
import { isRetryable } from '../../src/platforms/registry.ts';
import { createQueues } from '../../src/queues/queues.ts';
import type { Queues } from '../../src/queues/queues.ts';
import { createE2eStores, newPerson } from '../support/e2e-stores.ts';
import type { E2eStores, Person } from '../support/e2e-stores.ts';
import { runIdsync } from '../support/idsync-process.ts';
import type { IdsyncProcess } from '../support/idsync-process.ts';
import { testConfig } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

/** A short SHUTDOWN_TIMEOUT_MS, for the test whose job outlasts it. */
const DEADLINE_MS = 1_500;
/** What the process may take after the deadline to close what it can and exit. */
const EXIT_MARGIN_MS = 10_000;
/** BullMQ's lock (30 s) of the job the stopped process left must expire before another worker takes it. */
const TAKEOVER_MS = 60_000;
const DEADLINE_PASSED = 'shutdown deadline passed; jobs left to another worker';

/*
 * A reconcile job that cannot finish: the test holds an ACCESS EXCLUSIVE lock on Bookmaster's
 * `users`, which the job reads. `idsync start --role workers` runs as a child process and gets
 * SIGTERM while the job waits.
 */
describe('idsync start’s shutdown deadline', () => {
  let stores: E2eStores | undefined;
  let redis: Redis | undefined;
  let queues: Queues | undefined;
  let lock: pg.PoolClient | undefined;
  let takeover: WorkerRunner | undefined;
  const processes: IdsyncProcess[] = [];

  afterEach(async () => {
    for (const process of processes.splice(0)) await process.stop('SIGKILL');
    await lock?.query('rollback');
    lock?.release();
    lock = undefined;
    await takeover?.close();
    takeover = undefined;
    await queues?.close();
    redis?.disconnect();
    await stores?.dispose();
    stores = undefined;
  });

  /** Stores with one unlinked person, the queues of the process, and the process, started. */
  async function startWorkerProcess(deadlineMs: number) {
    stores = await createE2eStores({ SHUTDOWN_TIMEOUT_MS: String(deadlineMs), CONNECT_TIMEOUT_MS: '1000' });
    redis = new Redis(testConfig().redis.url, { maxRetriesPerRequest: null });
    queues = createQueues({ connection: redis, prefix: stores.env.QUEUE_PREFIX, reconcileDebounceMs: 0 });
    const person = newPerson();
    await stores.writePeople([person]);
    const workers = runIdsync(['start', '--role', 'workers'], stores.env);
    processes.push(workers);
    await workers.waitForLog('idsync started');
    return { stores, redis, queues, person, workers };
  }

  /** Locks Bookmaster's users, enqueues the person's reconcile, and waits until the job waits for the lock. */
  async function enqueueBlockedJob(opened: { stores: E2eStores; queues: Queues }, person: Person): Promise<string> {
    const holder = await opened.stores.bookmaster.connect();
    lock = holder;
    await holder.query('begin');
    await holder.query('lock table users in access exclusive mode');
    const id = await opened.queues.enqueueReconcile({ platform: 'bookmaster', id: person.bookmaster }, { type: 'command', via: 'cli' });
    await waitFor('the job to wait for the lock', async () => {
      const { rows } = await holder.query<{ waiting: number }>("select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
      return (rows[0]?.waiting ?? 0) > 0;
    });
    return id ?? '';
  }

  const exitCode = (process: IdsyncProcess, timeoutMs: number) =>
    waitFor('the process to exit', () => (process.child.exitCode === null ? undefined : { code: process.child.exitCode }), { timeoutMs });

  it('exits once SHUTDOWN_TIMEOUT_MS has passed with a job still running, which another worker takes over as stalled and completes', async () => {
    const opened = await startWorkerProcess(DEADLINE_MS);
    const id = await enqueueBlockedJob(opened, opened.person);

    opened.workers.child.kill('SIGTERM');
    expect(await exitCode(opened.workers, DEADLINE_MS + EXIT_MARGIN_MS)).toEqual({ code: 0 });
    expect(opened.workers.logs.find((entry) => entry.msg === DEADLINE_PASSED)).toMatchObject({ queues: ['reconcile'], timeoutMs: DEADLINE_MS });
    expect(opened.workers.logs.at(-1)).toMatchObject({ msg: 'idsync stopped', jobsLeftRunning: true });
    const job = await opened.queues.byName.reconcile.getJob(id);
    expect(await job?.getState()).toBe('active');

    await lock?.query('commit');
    takeover = startTakeoverWorker(opened.stores, opened.redis);
    await waitFor('the job to be completed by the other worker', async () => (await opened.queues.byName.reconcile.getJobState(id)) === 'completed', { timeoutMs: TAKEOVER_MS });
    expect((await opened.queues.byName.reconcile.getJob(id))?.stalledCounter).toBe(1);
    expect(await opened.stores.countLinked([opened.person])).toBe(1);
  }, TAKEOVER_MS + 30_000);

  it('lets a running job finish within the deadline and takes no new job meanwhile', async () => {
    const opened = await startWorkerProcess(20_000);
    const later = newPerson();
    await opened.stores.writePeople([later]);
    const id = await enqueueBlockedJob(opened, opened.person);

    opened.workers.child.kill('SIGTERM');
    await opened.workers.waitForLog('shutting down');
    const laterId = await opened.queues.enqueueReconcile({ platform: 'bookmaster', id: later.bookmaster }, { type: 'command', via: 'cli' });
    await lock?.query('commit');

    expect(await exitCode(opened.workers, 20_000)).toEqual({ code: 0 });
    expect(opened.workers.logs.some((entry) => entry.msg === DEADLINE_PASSED)).toBe(false);
    expect(opened.workers.logs.at(-1)).toMatchObject({ msg: 'idsync stopped', jobsLeftRunning: false });
    expect(await opened.queues.byName.reconcile.getJobState(id)).toBe('completed');
    expect(await opened.stores.countLinked([opened.person])).toBe(1);
    expect(await opened.queues.byName.reconcile.getJobState(laterId ?? '')).toBe('waiting');
  });
});

/**
 * Another worker on the same queue, with the real reconcile processor on the same stores, that looks
 * for stalled jobs every 300 ms (idsync's workers do every 30 s, BullMQ's default).
 */
function startTakeoverWorker(stores: E2eStores, connection: Redis): WorkerRunner {
  const config = testConfig();
  const logger = createLogger({ level: 'silent' });
  const ledger = createLedger(stores.ledger);
  const adapters = { crm: createCrmAdapter(stores.crm), omnistack: createOmnistackAdapter(stores.omnistack), bookmaster: createBookmasterAdapter(stores.bookmaster) };
  const processor = createReconcileProcessor({ adapters, links: createLinkIndex(stores.ledger), ledger, logger }, config, {});
  return startWorkers({ reconcile: processor }, ledger, logger, { connection, prefix: stores.env.QUEUE_PREFIX, isRetryable, stalledIntervalMs: 300 });
}
