import { startMaintenance } from '../../jobs/maintenance.ts';
import { createPropagateProcessor } from '../../jobs/propagate-processor.ts';
import { createProvisionProcessor } from '../../jobs/provision-processor.ts';
import { createReconcileProcessor } from '../../jobs/reconcile-processor.ts';
import { startWorkers } from '../../jobs/worker-runner.ts';
import type { Processor } from '../../jobs/worker-runner.ts';
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
import { reconcilePerson } from '../reconcile/reconcile-person.ts';
import type { ReconcileDependencies } from '../reconcile/reconcile-person.ts';
import { countProfileWrites, observeWorkers } from '../metrics/observe.ts';
import type { Dependencies } from './open-dependencies.ts';
import { runSteps } from './run-steps.ts';

export interface WorkerRole {
  /** Lets the jobs in flight finish. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * The workers role: reconcile, propagate (when the CRM is synced: it is the profile's source) and
 * provision workers, and one maintenance worker with the audit and cleanup schedules.
 */
export async function startWorkerRole(config: Config, dependencies: Dependencies, logger: Logger, shared: { queues: Queues; metrics: Metrics }): Promise<WorkerRole> {
  const { queues, metrics } = shared;
  const ledger = createLedger(dependencies.ledger.pool);
  const adapters = partsOf(dependencies.platforms, 'adapter');
  const links = createLinkIndex(dependencies.ledger.pool);
  await buildEmptyLinkIndex(config, dependencies, 'user', logger);
  await buildEmptyLinkIndex(config, dependencies, 'client', logger);
  const connection = { connection: dependencies.redis.client, prefix: config.redis.queuePrefix, isRetryable };
  const personWorkers = startWorkers(personProcessors(config, dependencies, { adapters, links, ledger, logger }, shared), ledger, logger, connection);
  const maintenance = await startMaintenance({ adapters, ledgerPool: dependencies.ledger.pool, queues, logger, isRetryable }, config);
  // One maintenance job at a time: an audit holds every scanned record in memory.
  const maintenanceWorkers = startWorkers(maintenance.processors, ledger, logger, { ...connection, concurrency: 1 });
  observeWorkers([...personWorkers.workers, ...maintenanceWorkers.workers], metrics);
  let closing: Promise<void> | undefined;
  return {
    close: () =>
      (closing ??= runSteps(
        [
          ['reconcile, propagate and provision workers', () => personWorkers.close()],
          ['maintenance workers', () => maintenanceWorkers.close()],
        ],
        logger,
      )),
  };
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
function personProcessors(config: Config, dependencies: Dependencies, deps: ReconcileDependencies, shared: { queues: Queues; metrics: Metrics }): Partial<Record<QueueName, Processor>> {
  const { ledger, logger } = deps;
  const { queues, metrics } = shared;
  const { platforms } = dependencies;
  const crm = platforms.crm?.profileSource;
  const clientLinks = createLinkIndex(dependencies.ledger.pool, 'client');
  const reconcile = createReconcileProcessor({ ...deps, clientAdapters: partsOf(platforms, 'clientAdapter'), clientLinks }, config, { metrics, queues: crm ? queues : undefined });
  const propagate = crm && createPropagateProcessor({ crm, targets: countProfileWrites(partsOf(platforms, 'profileTarget'), metrics), ledger, logger });
  const provision = createProvisionProcessor(
    {
      openers: partsOf(platforms, 'accountOpener'),
      reconcile: (origin, context) => reconcilePerson(deps, origin, context, { platforms: config.platforms, required: config.requiredPlatforms, conflictPolicy: config.policy.conflict }),
      ledger,
      logger,
    },
    config,
  );
  return { reconcile, provision, ...(propagate ? { propagate } : {}) };
}
