import type { Config } from '../config/load-config.ts';
import { startHttpServer } from '../http/server.ts';
import type { HttpServer } from '../http/server.ts';
import { migrateLedger } from '../ledger/migrate.ts';
import type { Logger } from '../logging/logger.ts';
import { ensureBookmasterDevSchema } from '../platforms/bookmaster/dev-schema.ts';
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
  /** Stops serving, then closes every connection. Safe to call more than once. */
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
  try {
    await migrateLedger(dependencies.ledger.pool, logger);
    if (config.env !== 'production' && dependencies.bookmaster) await ensureBookmasterDevSchema(dependencies.bookmaster.pool);
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
    await closeAll(dependencies.all, logger);
    throw error;
  }
  logger.info({ role, platforms: config.platforms, http: http?.address }, 'idsync started');
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= shutdown(http, dependencies, logger));
  return { dependencies, http, close };
}

// Order matters: stop taking requests first, then release the connections they used.
async function shutdown(http: HttpServer | undefined, dependencies: Dependencies, logger: Logger): Promise<void> {
  try {
    await http?.close();
  } catch (error) {
    logger.warn({ err: error }, 'closing the HTTP server failed');
  }
  await closeAll(dependencies.all, logger);
  logger.info('idsync stopped');
}
