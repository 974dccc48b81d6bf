import type { Worker } from 'bullmq';
import { raceDeadline } from '../deadline.ts';
import { startMaintenance } from '../jobs/maintenance.ts';
import { createPropagateProcessor } from '../jobs/propagate-processor.ts';
import { createProvisionProcessor } from '../jobs/provision-processor.ts';
import { createReconcileProcessor } from '../jobs/reconcile-processor.ts';
import { startWorkers } from '../jobs/worker-runner.ts';
import type { Processor } from '../jobs/worker-runner.ts';
import type { Config } from '../config/load-config.ts';
import { createLedger } from '../ledger/ledger.ts';
import { buildLinkIndex } from '../link-index/build-link-index.ts';
import { createLinkIndex } from '../link-index/link-index.ts';
import type { LinkKind } from '../link-index/link-index.ts';
import type { Logger } from '../logging/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { partsOf } from '../platforms/connector.ts';
import { isRetryablePostgresError } from '../platforms/postgres-errors.ts';
import { isRetryable as isPlatformRetryable } from '../platforms/registry.ts';
import type { QueueName } from '../queues/queue-names.ts';
import type { Queues } from '../queues/queues.ts';
import { propagateProfile } from '../propagate/propagate-profile.ts';
import { reconcilePerson } from '../reconcile/reconcile-person.ts';
import type { ReconcileDependencies } from '../reconcile/reconcile-person.ts';
import { countProfileWrites, observeWorkers } from '../metrics/observe.ts';
import type { Dependencies } from './open-dependencies.ts';
import { runSteps } from './run-steps.ts';

export interface WorkerRole {
  /**
   * Stops taking jobs and lets the running ones finish, for at most `SHUTDOWN_TIMEOUT_MS`; then
   * closes anyway. Never rejects. Safe to call more than once.
   */
  close(): Promise<WorkersStopped>;
}

export interface WorkersStopped {
  /**
   * The queues whose jobs were still running at the deadline. Their workers were closed with
   * force: those jobs' locks are no longer renewed, and once they expire BullMQ's stalled-job check
   * on another worker puts the jobs back in the queue.
   */
  readonly left: readonly string[];
}

/**
 * The workers role: reconcile, propagate (when the CRM is synced: it is the profile's source) and
 * provision workers, and one maintenance worker with the audit and cleanup schedules.
 */
export async function startWorkerRole(
  config: Config,
  dependencies: Dependencies,
  logger: Logger,
  shared: { queues: Queues; metrics: Metrics },
): Promise<WorkerRole> {
  const { queues, metrics } = shared;
  const ledger = createLedger(dependencies.ledger.pool);
  const adapters = partsOf(dependencies.platforms, 'adapter');
  const links = createLinkIndex(dependencies.ledger.pool);
  await buildEmptyLinkIndex(config, dependencies, 'user', logger);
  await buildEmptyLinkIndex(config, dependencies, 'client', logger);
  const connection = { connection: dependencies.redis.client, prefix: config.redis.queuePrefix, isRetryable };
  const personProcessorsByQueue = personProcessors(config, dependencies, { adapters, links, ledger, logger }, shared);
  const personWorkers = startWorkers(personProcessorsByQueue, ledger, logger, { ...connection, concurrency: config.workerConcurrency });
  const maintenance = await startMaintenance({ adapters, ledgerPool: dependencies.ledger.pool, queues, logger, isRetryable }, config);
  // One maintenance job at a time: an audit holds every scanned record in memory.
  const maintenanceWorkers = startWorkers(maintenance.processors, ledger, logger, { ...connection, concurrency: 1 });
  const workers = [...personWorkers.workers, ...maintenanceWorkers.workers];
  observeWorkers(workers, metrics);
  let closing: Promise<WorkersStopped> | undefined;
  return { close: () => (closing ??= stopWithin(workers, config.shutdownTimeoutMs, logger)) };
}

/**
 * BullMQ's `pause()` stops fetching (it ends the blocking fetch) and resolves once the worker's
 * running jobs are done. A worker still running jobs at the deadline is closed with `force`, which
 * does not wait for them. Its pending `pause()` reconnects once they end, and they may hold other
 * connections: `idsync start` exits after such a shutdown instead of waiting for them.
 */
async function stopWithin(workers: readonly Worker[], timeoutMs: number, logger: Logger): Promise<WorkersStopped> {
  const finished = await Promise.all(
    workers.map((worker) => {
      const paused = worker.pause().then(
        () => true,
        (error: unknown) => {
          logger.warn({ queue: worker.name, err: error }, 'pausing a worker failed');
          return false;
        },
      );
      return raceDeadline(paused, timeoutMs, () => false);
    }),
  );
  const left = workers.filter((_, index) => !finished[index]).map((worker) => worker.name);
  if (left.length > 0) logger.warn({ queues: left, timeoutMs }, 'shutdown deadline passed; jobs left to another worker');
  await runSteps(
    workers.map((worker, index) => [`${worker.name} worker`, () => worker.close(!finished[index])] as const),
    logger,
  );
  return { left };
}

/**
 * A first start indexes what the systems already hold before any worker takes a job: without it,
 * gather could not find a claim or an email of a record written before idsync ran.
 */
async function buildEmptyLinkIndex(config: Config, dependencies: Dependencies, kind: LinkKind, logger: Logger): Promise<void> {
  const { pool } = dependencies.ledger;
  if (!(await createLinkIndex(pool, kind).isEmpty())) return;
  logger.info({ kind }, 'link index empty: indexing the systems before the workers start');
  const adapters = partsOf(dependencies.platforms, kind === 'user' ? 'adapter' : 'clientAdapter');
  const built = await buildLinkIndex(pool, adapters, config.platforms, { batchSize: config.maintenance.batchSize, kind });
  logger.info({ kind, records: built.records }, 'link index built');
}

/** Whether a failure may pass on retry: any system's driver's, and the ledger's (Postgres, whichever systems are synced). */
function isRetryable(error: unknown): boolean {
  return isRetryablePostgresError(error) || isPlatformRetryable(error);
}

/** The processors of the queues that work on one person: reconcile, propagate, provision. */
function personProcessors(
  config: Config,
  dependencies: Dependencies,
  deps: ReconcileDependencies,
  shared: { queues: Queues; metrics: Metrics },
): Partial<Record<QueueName, Processor>> {
  const { ledger, logger } = deps;
  const { queues, metrics } = shared;
  const { platforms } = dependencies;
  const crm = platforms.crm?.profileSource;
  const clientLinks = createLinkIndex(dependencies.ledger.pool, 'client');
  const profiles = crm && { crm, targets: countProfileWrites(partsOf(platforms, 'profileTarget'), metrics), ledger, logger };
  const reconcile = createReconcileProcessor({
    ...deps,
    clientAdapters: partsOf(platforms, 'clientAdapter'),
    clientLinks,
    // In the reconcile's own job: a job per person linked cost a third of the machine's CPU per person (bench/RESULTS.md).
    propagateProfile: profiles ? (crmId, context) => propagateProfile(profiles, crmId, context) : undefined,
  }, config, { metrics, queues, shareBulkReads: true });
  const propagate = profiles && createPropagateProcessor(profiles);
  const provision = createProvisionProcessor(
    {
      openers: partsOf(platforms, 'accountOpener'),
      reconcile: (origin, context) => reconcilePerson(deps, origin, context, {
        platforms: config.platforms,
        required: config.requiredPlatforms,
        conflictPolicy: config.policy.conflict,
      }),
      ledger,
      logger,
    },
    config,
  );
  return { reconcile, provision, ...(propagate ? { propagate } : {}) };
}
