import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import type { Pgoutput } from 'pg-logical-replication';
import type { Logger } from '../logging/logger.ts';
import type { PostgresWatch } from '../platforms/watch-spec.ts';
import type { ChangeSink } from './change-sink.ts';
import { changeTrigger } from './change-sink.ts';
import type { LeaderWork } from './leadership.ts';
import { ReplicationFeed } from './pg-feed.ts';
import { formatLsn, parseLsn } from './pg-lsn.ts';
import { ensureReplication } from './pg-setup.ts';
import type { ReplicationNames } from './pg-setup.ts';
import { ReplicationEndedError } from './watcher-errors.ts';
import { SETTING_DEFAULTS } from '../config/env-schema.ts';

/** One watched Postgres table. Its replication slot is its checkpoint: no other store is needed. */
export interface PostgresSource extends PostgresWatch {
  /** Stable name: in logs, Redis keys and job triggers. Example: 'bookmaster.users'. */
  readonly name: string;
  readonly names: ReplicationNames;
}

export interface PostgresWatcherOptions {
  readonly source: PostgresSource;
  readonly sink: ChangeSink;
  readonly logger: Logger;
  /**
   * How often a quiet feed asks the server for its position, so that the slot advances, and a busy
   * one tells the server it is still there, in ms. Default: 10000.
   */
  keepaliveIntervalMs?: number;
  /** How long opening the replication connection may take, in ms. Default: 5000. */
  connectTimeoutMs?: number;
  /** Called once per row change received (for the change-event counter). Default: none. */
  onChangeEvent?: (source: string) => void;
}

/**
 * Streams the table's changes through logical replication (pgoutput) while this process leads
 * the source. The slot keeps every change while idsync is down, and it advances only when the
 * feed acknowledges, which it does only after the jobs are enqueued: a crash replays, never skips.
 * A slot the server gave up (past its `max_slot_wal_keep_size`) is made anew and its table
 * backfilled, as a MongoDB stream whose history is gone is.
 */
export function postgresWatcher(options: PostgresWatcherOptions): LeaderWork {
  return async (signal) => {
    const { source, sink, logger } = options;
    const start = await ensureReplication(source.pool, source.table, source.names, logger);
    // The new slot holds every change from its creation on; the backfill covers those before it.
    // A crash between the two loses the backfill: the next audit repairs what it would have.
    if (start.recreated) await sink.backfill(source.platform, changeTrigger(source.name, start.confirmed));
    if (signal.aborted) return;
    const service = new LogicalReplicationService(
      { connectionString: source.url, connectionTimeoutMillis: options.connectTimeoutMs ?? SETTING_DEFAULTS.connectTimeoutMs },
      // Flow control: the library awaits the data listener and pauses its socket meanwhile, so the
      // feed reads on only after a transaction is enqueued (and acknowledged); while Redis is slow,
      // the unread WAL waits on the server instead of in memory here.
      { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } },
    );
    let keepalive: NodeJS.Timeout | undefined;
    let onAbort: () => void = () => undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        onAbort = () => resolve();
        signal.addEventListener('abort', onAbort, { once: true });
        const feed = createFeed(options, service, parseLsn(start.confirmed), reject);
        keepalive = setInterval(() => feed.tick(), options.keepaliveIntervalMs ?? SETTING_DEFAULTS.checkpointIntervalMs);
        subscribe(options, service, feed, reject).then(
          () => reject(new ReplicationEndedError(source.name)),
          (error: unknown) => reject(new ReplicationEndedError(source.name, error)),
        );
      });
    } finally {
      clearInterval(keepalive);
      signal.removeEventListener('abort', onAbort);
      await service.destroy().catch(() => undefined);
    }
  };
}

function createFeed(options: PostgresWatcherOptions, service: LogicalReplicationService, confirmed: bigint, fail: (error: unknown) => void): ReplicationFeed {
  const { source, sink, logger } = options;
  return new ReplicationFeed({
    source: source.name,
    platform: source.platform,
    table: source.table,
    sink,
    logger,
    confirmed,
    // The library reports `lsn + 1` as flushed. A record that starts exactly at the acknowledged
    // position (the next transaction's commit can) would then be skipped after a restart, so it
    // is handed `lsn - 1` and the server hears exactly `lsn`.
    acknowledge: (lsn, ping) => {
      if (lsn > 0n) void service.acknowledge(formatLsn(lsn - 1n), ping);
    },
    onFailure: fail,
    onChangeEvent: options.onChangeEvent,
  });
}

function subscribe(
  options: PostgresWatcherOptions,
  service: LogicalReplicationService,
  feed: ReplicationFeed,
  fail: (error: unknown) => void,
): Promise<unknown> {
  const { source, logger } = options;
  // Returning the promise is the contract: the library hands over the next message only once it settles.
  service.on('data', (_lsn: string, message: Pgoutput.Message) => feed.onData(message));
  service.on('heartbeat', (lsn: string, _timestamp: number, shouldRespond: boolean) => feed.onHeartbeat(lsn, shouldRespond));
  service.on('error', (error: Error) => fail(new ReplicationEndedError(source.name, error)));
  service.on('start', () => logger.info({ source: source.name, slot: source.names.slot }, 'watching'));
  const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [source.names.publication] });
  return service.subscribe(plugin, source.names.slot);
}
