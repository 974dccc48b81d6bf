import type { Redis } from 'ioredis';
import type { Config } from '../config/load-config.ts';
import type { Logger } from '../logging/logger.ts';
import type { Queues } from '../queues/queues.ts';
import type { LinkLookups } from '../link-index/link-index.ts';
import type { Adapters } from '../platforms/platform-adapter.ts';
import type { WatchSpec } from '../platforms/watch-spec.ts';
import { createChangeSink } from './change-sink.ts';
import type { ChangeSink } from './change-sink.ts';
import { createCheckpointStore } from './checkpoint-store.ts';
import type { CheckpointStore } from './checkpoint-store.ts';
import { createLease, defaultOwner, leaseKey } from './lease.ts';
import type { Lease } from './lease.ts';
import { runAsLeader } from './leadership.ts';
import type { LeaderWork } from './leadership.ts';
import { mongoWatcher } from './mongo-watcher.ts';
import { postgresWatcher } from './pg-watcher.ts';
import { realtimeWatcher } from './realtime-watcher.ts';
import { describeSources } from './sources.ts';
import type { WatchedSource, WatcherConfig } from './sources.ts';

export interface StartWatchersOptions {
  readonly config: WatcherConfig & Pick<Config, 'redis' | 'connectTimeoutMs' | 'maintenance'>;
  /** Leases, checkpoints and the queues live in this Redis (idsync's open dependencies have this shape). */
  readonly dependencies: { readonly redis: { readonly client: Redis } };
  /** What the open platforms ask to have watched (their `watch`), one watcher each. */
  readonly watch: readonly WatchSpec[];
  /** One adapter per synced platform, for backfills. */
  readonly adapters: Adapters;
  /** The link index: who claims a deleted record. */
  readonly links: LinkLookups;
  /** The same for the client collections. Default: none: a changed client is still enqueued, but a backfill finds no clients. */
  readonly clientAdapters?: Adapters;
  /** The clients' link index. Default: none (a deleted client's claimers are not enqueued). */
  readonly clientLinks?: LinkLookups;
  readonly logger: Logger;
  /** The process's queues (the caller owns and closes them). */
  readonly queues: Queues;
  /** Pause after a poll of a quiet change stream, in ms. Default: 100. */
  idlePollMs?: number;
  /** Pause after a watcher fails, doubled each further failure, in ms. Default: 500. */
  backoffMs?: number;
  /** Called once per change found settled and not enqueued, with its source (e.g. metrics.changeEventSettled). Default: none. */
  onSettledChange?: (source: string) => void;
  /** Called once per change event received, with its source (e.g. metrics.changeEventReceived). Default: none. */
  onChangeEvent?: (source: string) => void;
}

export interface WatcherRunner {
  /** The sources this process leads, or stands by for. */
  readonly sources: readonly string[];
  /** The name this process holds leases under. */
  readonly owner: string;
  /** Stops every watcher (jobs already enqueued stay), gives the leases up. Safe to call more than once. */
  close(): Promise<void>;
}

const NO_LINKS: LinkLookups = { claimersOf: async () => [], holdersOf: async () => [], rowsOf: async () => new Map() };

interface Shared {
  readonly options: StartWatchersOptions;
  readonly sink: ChangeSink;
  readonly clientSink: ChangeSink;
  readonly checkpoints: CheckpointStore;
}

/**
 * Starts one watcher per source, each behind a lease of its own, so that of several processes
 * started with the watchers role exactly one consumes each source and another takes over when it
 * dies. Returns at once; the watchers connect, lead or stand by in the background.
 */
export function startWatchers(options: StartWatchersOptions): WatcherRunner {
  const { config, dependencies, logger } = options;
  const redis = dependencies.redis.client;
  const prefix = config.redis.queuePrefix;
  const { queues } = options;
  // Every backfill reads and enqueues AUDIT_BATCH_SIZE records at a time, the maintenance job's too.
  const backfillBatchSize = config.maintenance.batchSize;
  const shared: Shared = {
    options,
    sink: createChangeSink({ queues, adapters: options.adapters, links: options.links, logger, backfillBatchSize, onSettledChange: options.onSettledChange }),
    clientSink: createChangeSink({
      queues,
      adapters: options.clientAdapters ?? {},
      links: options.clientLinks ?? NO_LINKS,
      logger,
      kind: 'client',
      backfillBatchSize,
      onSettledChange: options.onSettledChange,
    }),
    checkpoints: createCheckpointStore(redis, prefix),
  };
  const owner = defaultOwner();
  const stop = new AbortController();
  const sources = describeSources(options.watch, config);
  const loops = sources.map((watched) => {
    const lease = createLease(redis, leaseKey(prefix, watched.source.name), { leaseMs: config.watch.leaseMs, owner });
    return runAsLeader(workFor(watched, lease, shared), { source: watched.source.name, lease, logger, backoffMs: options.backoffMs }, stop.signal);
  });
  const names = sources.map((watched) => watched.source.name);
  logger.info({ sources: names, owner }, 'watchers started');
  let closing: Promise<void> | undefined;
  const close = async () => {
    stop.abort();
    await Promise.allSettled(loops);
    logger.info({ sources: names }, 'watchers stopped');
  };
  return { sources: names, owner, close: () => (closing ??= close()) };
}

function workFor(watched: WatchedSource, lease: Lease, shared: Shared): LeaderWork {
  const { config, logger } = shared.options;
  if (watched.transport === 'realtime') {
    return realtimeWatcher({
      source: watched.source,
      sink: shared.sink,
      queues: shared.options.queues,
      logger,
      joinTimeoutMs: config.connectTimeoutMs,
      onChangeEvent: shared.options.onChangeEvent,
    });
  }
  if (watched.transport === 'postgres') {
    return postgresWatcher({
      source: watched.source,
      sink: shared.sink,
      logger,
      keepaliveIntervalMs: config.watch.checkpointIntervalMs,
      connectTimeoutMs: config.connectTimeoutMs,
      onChangeEvent: shared.options.onChangeEvent,
    });
  }
  return mongoWatcher({
    source: watched.source,
    lease,
    checkpoints: shared.checkpoints,
    sink: watched.source.kind === 'client' ? shared.clientSink : shared.sink,
    logger,
    checkpointIntervalMs: config.watch.checkpointIntervalMs,
    idlePollMs: shared.options.idlePollMs,
    onChangeEvent: shared.options.onChangeEvent,
  });
}
