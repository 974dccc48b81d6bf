import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { PLATFORMS } from '../../src/ids/index.ts';
import { buildLinkIndex } from '../../src/link-index/build-link-index.ts';
import { createLinkIndex } from '../../src/link-index/link-index.ts';
import type { LinkIndex, LinkKind } from '../../src/link-index/link-index.ts';
import type { Logger } from '../../src/logging/logger.ts';
import { createQueues } from '../../src/queues/queues.ts';
import type { Queues } from '../../src/queues/queues.ts';
import type { Adapters } from '../../src/platforms/platform-adapter.ts';
import { createChangeSink } from '../../src/watchers/change-sink.ts';
import type { ChangeSink } from '../../src/watchers/change-sink.ts';
import { createCheckpointStore } from '../../src/watchers/checkpoint-store.ts';
import type { CheckpointStore } from '../../src/watchers/checkpoint-store.ts';
import { createLease, leaseKey } from '../../src/watchers/lease.ts';
import type { Lease } from '../../src/watchers/lease.ts';
import { runAsLeader } from '../../src/watchers/leadership.ts';
import type { LeaderWork } from '../../src/watchers/leadership.ts';
import { createLedgerFixture } from './ledger-fixture.ts';
import { capturingLogger } from './log-capture.ts';
import { uniqueName } from './names.ts';
import { testConfig } from './services.ts';
import { waitFor } from './wait-for.ts';

/** A reconcile job as enqueued: its name and payload. */
export interface EnqueuedJob {
  readonly name: string;
  readonly platform: string;
  readonly id: string;
  readonly trigger: { type: string; source?: string; position?: string };
}

/** A `propagate profile` job as enqueued: its name and payload. */
export interface EnqueuedProfileJob {
  readonly name: string;
  readonly crmId: string;
  readonly trigger: { type: string; source?: string; position?: string };
}

export interface RunningWatcher {
  stop(): Promise<void>;
}

/**
 * What the watcher integration tests share: Redis under a queue prefix of their own (removed by
 * `dispose`), a logger whose lines the test can read, and the reconcile queue's jobs. No worker
 * runs, so every job a watcher enqueues stays in the queue to be inspected.
 */
export interface WatcherFixture {
  readonly redis: Redis;
  readonly prefix: string;
  readonly queues: Queues;
  readonly checkpoints: CheckpointStore;
  readonly logger: Logger;
  readonly logs: Array<Record<string, unknown>>;
  /** The link index of `kind` (default people's), in a migrated ledger of the fixture's own. */
  links(kind?: LinkKind): LinkIndex;
  /** Indexes every record `adapters` read, as the watchers' reconciles would have. */
  indexStores(adapters: Adapters, kind?: LinkKind): Promise<void>;
  sink(adapters?: Adapters, kind?: LinkKind): ChangeSink;
  lease(source: string, leaseMs?: number): Lease;
  /** Runs `work` behind `lease` as idsync does, until `stop`. */
  run(work: LeaderWork, source: string, lease: Lease): RunningWatcher;
  jobs(): Promise<EnqueuedJob[]>;
  /** The propagate queue's jobs. */
  profileJobs(): Promise<EnqueuedProfileJob[]>;
  /** Waits for a log line with this message (and these fields). */
  waitForLog(msg: string, fields?: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>>;
  dispose(): Promise<void>;
}

export async function createWatcherFixture(): Promise<WatcherFixture> {
  const redis = new Redis(testConfig().redis.url, { maxRetriesPerRequest: null });
  const prefix = uniqueName('watch');
  const queues = createQueues({ connection: redis, prefix, reconcileDebounceMs: 0 });
  const { logger, logs } = capturingLogger();
  const ledger = await createLedgerFixture();
  const links = (kind: LinkKind = 'user') => createLinkIndex(ledger.connection.pool, kind);
  const matches = (entry: Record<string, unknown>, msg: string, fields: Record<string, unknown>) =>
    entry.msg === msg && Object.entries(fields).every(([key, value]) => entry[key] === value);
  return {
    redis,
    prefix,
    queues,
    checkpoints: createCheckpointStore(redis, prefix),
    logger,
    logs,
    links,
    indexStores: async (adapters, kind = 'user') => {
      await buildLinkIndex(ledger.connection.pool, adapters, PLATFORMS, { kind });
    },
    sink: (adapters = {}, kind = 'user') => createChangeSink({ queues, adapters, links: links(kind), logger, kind }),
    lease: (source, leaseMs = 5_000) => createLease(redis, leaseKey(prefix, source), { leaseMs }),
    run: (work, source, lease) => {
      const stop = new AbortController();
      const done = runAsLeader(work, { source, lease, logger, backoffMs: 50 }, stop.signal);
      return {
        stop: async () => {
          stop.abort();
          await done;
        },
      };
    },
    jobs: async () => {
      const jobs: Job[] = await queues.byName.reconcile.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
      return jobs.map((job) => ({ name: job.name, ...(job.data as Omit<EnqueuedJob, 'name'>) }));
    },
    profileJobs: async () => {
      const jobs: Job[] = await queues.byName.propagate.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
      return jobs.map((job) => ({ name: job.name, ...(job.data as Omit<EnqueuedProfileJob, 'name'>) }));
    },
    waitForLog: (msg, fields = {}, timeoutMs = 10_000) =>
      waitFor(`log line "${msg}"`, () => logs.find((entry) => matches(entry, msg, fields)), { timeoutMs }),
    dispose: async () => {
      await queues.byName.reconcile.obliterate({ force: true });
      await queues.byName.propagate.obliterate({ force: true });
      await queues.close();
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
      await ledger.dispose();
    },
  };
}
