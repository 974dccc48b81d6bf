import { raceDeadline } from '../deadline.ts';
import { startWatchers } from '../watchers/start-watchers.ts';
import type { WatcherRunner } from '../watchers/start-watchers.ts';
import { closeAll } from '../config/dependency.ts';
import type { Config } from '../config/load-config.ts';
import { startHttpServer } from '../http/server.ts';
import type { HttpServer } from '../http/server.ts';
import { migrateLedger } from '../ledger/migrate.ts';
import { createLinkIndex } from '../link-index/link-index.ts';
import type { Logger } from '../logging/logger.ts';
import { createMetrics } from '../metrics/metrics.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { partsOf } from '../platforms/connector.ts';
import { syncedPlatforms } from '../platforms/registry.ts';
import { createQueues } from '../queues/queues.ts';
import type { Queues } from '../queues/queues.ts';
import { openRequestQueues } from '../queues/request-queues.ts';
import type { RequestQueues } from '../queues/request-queues.ts';
import { openDependencies } from './open-dependencies.ts';
import type { Dependencies } from './open-dependencies.ts';
import { runSteps } from './run-steps.ts';
import { startWorkerRole } from './start-workers.ts';
import type { WorkerRole } from './start-workers.ts';

export const ROLES = ['all', 'watchers', 'workers', 'http'] as const;
export type Role = (typeof ROLES)[number];

export interface StartOptions {
  /** Which part of the pipeline this process runs. Default: 'all'. */
  role?: Role;
}

export interface RunningIdsync {
  readonly dependencies: Dependencies;
  readonly http?: HttpServer;
  readonly workers?: WorkerRole;
  readonly watchers?: WatcherRunner;
  /**
   * Stops serving and taking jobs, lets the running jobs finish (for at most SHUTDOWN_TIMEOUT_MS),
   * then closes every connection. Safe to call more than once.
   */
  close(): Promise<Stopped>;
}

export interface Stopped {
  /**
   * Jobs were still running at the deadline and were left to another worker. They may still hold
   * a connection or a timer, so the process should exit instead of waiting for its handles to close.
   */
  readonly jobsLeftRunning: boolean;
}

/**
 * Connects to every service, brings the ledger's schema up to date and starts the parts of the
 * pipeline that `role` names. On any failure, what was opened is closed again before rethrowing.
 */
export async function startIdsync(loaded: Config, logger: Logger, options: StartOptions = {}): Promise<RunningIdsync> {
  const config = withSyncedPlatforms(loaded, logger);
  const role = options.role ?? 'all';
  const runs = (part: Role) => role === 'all' || role === part;
  const dependencies = await openDependencies(config, logger);
  // One registry and one set of queue handles per process: no module-level singletons.
  const metrics = createMetrics();
  const queues = createQueues({ connection: dependencies.redis.client, prefix: config.redis.queuePrefix });
  const parts: Parts = { queues, dependencies };
  try {
    await migrateLedger(dependencies.ledger.pool, logger);
    if (config.env !== 'production') for (const open of Object.values(dependencies.platforms)) await open.prepareDev?.();
    if (runs('workers')) parts.workers = await startWorkerRole(config, dependencies, logger, { queues, metrics });
    if (runs('watchers')) parts.watchers = startWatcherRole(config, dependencies, logger, { queues, metrics });
    if (runs('http')) {
      parts.requestQueues = openRequestQueues(dependencies.redis, { prefix: config.redis.queuePrefix, timeoutMs: config.connectTimeoutMs, logger });
      parts.http = await startHttp(config, dependencies, logger, { queues: parts.requestQueues.queues, metrics });
    }
  } catch (error) {
    await shutdown(parts, config.connectTimeoutMs, logger);
    throw error;
  }
  logger.info({ role, platforms: config.platforms, http: parts.http?.address }, 'idsync started');
  let closing: Promise<Stopped> | undefined;
  const close = () => (closing ??= shutdown(parts, config.connectTimeoutMs, logger));
  return { dependencies, http: parts.http, workers: parts.workers, watchers: parts.watchers, close };
}

/**
 * The configuration the running parts read: `platforms` narrowed to the synced ones
 * (src/platforms/registry.ts), after a warning that names each enabled system without a connector.
 */
function withSyncedPlatforms(config: Config, logger: Logger): Config {
  const platforms = syncedPlatforms(config);
  const unconnected = config.platforms.filter((platform) => !platforms.includes(platform));
  if (unconnected.length > 0) logger.warn({ platforms: unconnected }, 'PLATFORMS names systems without a connector; they are not synced');
  return { ...config, platforms, requiredPlatforms: config.requiredPlatforms.filter((platform) => platforms.includes(platform)) };
}

function startWatcherRole(config: Config, dependencies: Dependencies, logger: Logger, shared: { queues: Queues; metrics: Metrics }): WatcherRunner {
  const { platforms } = dependencies;
  return startWatchers({
    config,
    dependencies,
    watch: Object.values(platforms).flatMap((open) => open.watch),
    adapters: partsOf(platforms, 'adapter'),
    links: createLinkIndex(dependencies.ledger.pool),
    clientAdapters: partsOf(platforms, 'clientAdapter'),
    clientLinks: createLinkIndex(dependencies.ledger.pool, 'client'),
    logger,
    queues: shared.queues,
    onChangeEvent: (source) => shared.metrics.changeEventReceived(source),
    onSettledChange: (source) => shared.metrics.changeEventSettled(source),
  });
}

function startHttp(config: Config, dependencies: Dependencies, logger: Logger, shared: { queues: Queues; metrics: Metrics }): Promise<HttpServer> {
  return startHttpServer({
    host: config.http.host,
    port: config.http.port,
    logger,
    dependencies: dependencies.all,
    healthTimeoutMs: config.connectTimeoutMs,
    authFailures: { limit: config.http.authFailureLimit, windowMs: config.http.authFailureWindowMs },
    operator: {
      credentials: config.http,
      queues: shared.queues,
      ledgerPool: dependencies.ledger.pool,
      metrics: shared.metrics,
      platforms: config.platforms,
      adapters: partsOf(dependencies.platforms, 'adapter'),
    },
  });
}

interface Parts {
  http?: HttpServer;
  /** The HTTP server's queues, which fail fast while Redis is away (src/queues/request-queues.ts). */
  requestQueues?: RequestQueues;
  watchers?: WatcherRunner;
  workers?: WorkerRole;
  queues: Queues;
  dependencies: Dependencies;
}

// Order matters: the workers stop taking jobs at once (SHUTDOWN_TIMEOUT_MS counts from the signal)
// while the HTTP server stops taking requests and the watchers stop watching; the queues and
// connections they all use are released last.
async function shutdown(parts: Parts, closeTimeoutMs: number, logger: Logger): Promise<Stopped> {
  const workers = parts.workers?.close();
  await runSteps(
    [
      ['http', () => parts.http?.close()],
      ['request queues', () => parts.requestQueues?.close()],
      ['watchers', () => parts.watchers?.close()],
    ],
    logger,
  );
  const jobsLeftRunning = ((await workers)?.left.length ?? 0) > 0;
  const release = (async () => {
    await runSteps([['queues', () => parts.queues.close()]], logger);
    await closeAll(parts.dependencies.all, logger);
    return true;
  })();
  // A job left running may hold a pooled connection, and a pool's end waits for it: after a forced
  // stop, closing waits no longer than a connection may take to open.
  const released = jobsLeftRunning ? await raceDeadline(release, closeTimeoutMs, () => false) : await release;
  logger.info({ jobsLeftRunning, released }, 'idsync stopped');
  return { jobsLeftRunning };
}
