import { createReconcileProcessor } from '../../jobs/reconcile-processor.ts';
import { startWorkers } from '../../jobs/worker-runner.ts';
import type { WorkerRunner } from '../../jobs/worker-runner.ts';
import type { Config } from '../config/load-config.ts';
import { startHttpServer } from '../http/server.ts';
import { createLedger } from '../ledger/ledger.ts';
import type { HttpServer } from '../http/server.ts';
import { migrateLedger } from '../ledger/migrate.ts';
import type { Logger } from '../logging/logger.ts';
import { ensureBookmasterDevSchema } from '../platforms/bookmaster/dev-schema.ts';
import { createAdapters, isRetryable } from './adapters.ts';
import { closeAll, openDependencies } from './open-dependencies.ts';
import type { Dependencies } from './open-dependencies.ts';

export const ROLES = ['all', 'watchers', 'workers', 'http'] as const;
export type Role = (typeof ROLES)[number];

export interface StartOptions {
  /** Which part of the pipeline this process runs. Default: 'all'. */
  role?: Role;
}

export interface RunningIdsync {
  readonly dependencies: Dependencies;
  readonly http?: HttpServer;
  readonly workers?: WorkerRunner;
  /** Stops serving, lets the jobs in flight finish, then closes every connection. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Connects to every service, brings the ledger's schema up to date and starts the parts of the
 * pipeline that `role` names. On any failure, what was opened is closed again before rethrowing.
 */
export async function startIdsync(config: Config, logger: Logger, options: StartOptions = {}): Promise<RunningIdsync> {
  const role = options.role ?? 'all';
  const dependencies = await openDependencies(config, logger);
  let http: HttpServer | undefined;
  let workers: WorkerRunner | undefined;
  try {
    await migrateLedger(dependencies.ledger.pool, logger);
    if (config.env !== 'production' && dependencies.bookmaster) await ensureBookmasterDevSchema(dependencies.bookmaster.pool);
    if (role === 'all' || role === 'workers') workers = startReconcileWorkers(config, dependencies, logger);
    if (role === 'all' || role === 'http') {
      http = await startHttpServer({
        host: config.http.host,
        port: config.http.port,
        logger,
        dependencies: dependencies.all,
        healthTimeoutMs: config.connectTimeoutMs,
      });
    }
  } catch (error) {
    await shutdown({ http, workers, dependencies }, logger);
    throw error;
  }
  logger.info({ role, platforms: config.platforms, http: http?.address }, 'idsync started');
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= shutdown({ http, workers, dependencies }, logger));
  return { dependencies, http, workers, close };
}

function startReconcileWorkers(config: Config, dependencies: Dependencies, logger: Logger): WorkerRunner {
  const ledger = createLedger(dependencies.ledger.pool);
  const reconcile = createReconcileProcessor({ adapters: createAdapters(dependencies), ledger, logger }, config);
  return startWorkers({ reconcile }, ledger, logger, { connection: dependencies.redis.client, prefix: config.redis.queuePrefix, isRetryable });
}

interface Parts {
  http: HttpServer | undefined;
  workers: WorkerRunner | undefined;
  dependencies: Dependencies;
}

// Order matters: stop taking requests, then let the jobs in flight finish, then release the
// connections they used. Each step runs even if the one before it failed.
async function shutdown(parts: Parts, logger: Logger): Promise<void> {
  for (const [name, step] of [
    ['http', () => parts.http?.close()],
    ['workers', () => parts.workers?.close()],
  ] as const) {
    try {
      await step();
    } catch (error) {
      logger.warn({ part: name, err: error }, 'stopping a part failed');
    }
  }
  await closeAll(parts.dependencies.all, logger);
  logger.info('idsync stopped');
}
