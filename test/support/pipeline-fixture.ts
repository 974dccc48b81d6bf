import { buildLinkIndex } from '../../src/link-index/build-link-index.ts';
import { Job, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import type pg from 'pg';
import { createReconcileProcessor } from '../../src/jobs/reconcile-processor.ts';
import { startWorkers } from '../../src/jobs/worker-runner.ts';
import type { WorkerRunner } from '../../src/jobs/worker-runner.ts';
import { isRetryable } from '../../src/platforms/registry.ts';
import type { Platform, RecordKey } from '../../src/ids/index.ts';
import type { MetricsRecorder } from '../../src/metrics/metrics.ts';
import { observeWorkers } from '../../src/metrics/observe.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { createBookmasterAdapter } from '../../src/platforms/bookmaster/bookmaster-adapter.ts';
import { ensureBookmasterDevSchema } from '../../src/platforms/bookmaster/dev-schema.ts';
import { createCrmAdapter } from '../../src/platforms/crm/crm-adapter.ts';
import type { MongoConnection } from '../../src/platforms/mongo-connection.ts';
import { createOmnistackAdapter } from '../../src/platforms/omnistack/omnistack-adapter.ts';
import { openPostgres } from '../../src/platforms/postgres-pool.ts';
import type { PostgresConnection } from '../../src/platforms/postgres-pool.ts';
import { createQueues } from '../../src/queues/queues.ts';
import type { Queues } from '../../src/queues/queues.ts';
import type { ReconcileDependencies } from '../../src/reconcile/reconcile-person.ts';
import type { ReconcileLane } from '../../src/queues/reconcile-lanes.ts';
import type { Adapters } from '../../src/platforms/platform-adapter.ts';
import type { ReconcileOutcome } from '../../src/reconcile/reconcile-person.ts';
import { createLedgerFixture } from './ledger-fixture.ts';
import type { LedgerFixture } from './ledger-fixture.ts';
import { uniqueName } from './names.ts';
import { openTestMongo } from './platform-fixtures.ts';
import { createTemporaryDatabase, testConfig } from './services.ts';
import type { TemporaryDatabase } from './services.ts';
import { cleanUp } from './clean-up.ts';

const JOB_TIMEOUT_MS = 20_000;

export interface PipelineOptions {
  conflictPolicy?: 'newest' | 'manual';
  /** Worker concurrency. Default: 4. */
  concurrency?: number;
  /** A Bookmaster database the caller owns (e.g. on a server a fault test stops). Default: a temporary one. */
  bookmasterUrl?: string;
  /** Metrics the workers record into (jobs, writes, change-to-consistent). Default: none. */
  metrics?: MetricsRecorder;
  /** What completed reconciles call for a person not as last settled (`idsync start` propagates the profile); a failure becomes a profile job. Default: none. */
  propagateProfile?: ReconcileDependencies['propagateProfile'];
  /** Where the profiles the reconciles could not propagate are enqueued. Default: the fixture's own queues. */
  profileJobs?: Pick<Queues, 'enqueuePropagateProfile'>;
  /** Whether bulk-lane reconciles share their reads, as `idsync start`'s do. Default: false. */
  shareBulkReads?: boolean;
}

/**
 * The reconcile pipeline on the real services, in namespaces of its own: a CRM and an OmniStack
 * database, a Bookmaster database, a ledger database and a queue prefix, all removed by `dispose`.
 * Mongo commands are observable (monitorCommands) so tests can count writes.
 */
export interface PipelineFixture {
  readonly crm: Db;
  readonly omnistack: Db;
  readonly crmConnection: MongoConnection;
  readonly omnistackConnection: MongoConnection;
  readonly bookmaster: pg.Pool;
  /** The text of every query the Bookmaster adapter sent, for counting writes. */
  readonly bookmasterQueries: string[];
  readonly ledger: LedgerFixture;
  /** The text of every query sent on the ledger's pool (the ledger's and the link index's). */
  readonly ledgerQueries: string[];
  readonly adapters: Adapters;
  readonly queues: Queues;
  readonly platforms: readonly Platform[];
  /**
   * Indexes every record in the stores, as the watchers would have for each record the test wrote,
   * then runs a reconcile job of `key` and waits for it. `index: false` skips the indexing (a test
   * that indexed before stopping a store). `lane`: enqueued in that lane by Queues#enqueueReconcile,
   * as a watcher ('changed') or a command would; by default added as is, in no lane.
   */
  reconcile(key: RecordKey, options?: { index?: boolean; lane?: ReconcileLane }): Promise<ReconcileOutcome>;
  /** Indexes every record in the stores (the link index), as a first start would. */
  indexStores(): Promise<void>;
  dispose(): Promise<void>;
}

export async function createPipelineFixture(options: PipelineOptions = {}): Promise<PipelineFixture> {
  const config = testConfig();
  const platforms: Platform[] = ['crm', 'omnistack', 'bookmaster'];
  const crm = await openTestMongo('trackmaster');
  const omnistack = await openTestMongo('omnistack');
  const [crmConnection, omnistackConnection] = [crm.connection, omnistack.connection];
  const bookmasterDb: TemporaryDatabase | undefined = options.bookmasterUrl ? undefined : await createTemporaryDatabase('bookmaster');
  const bookmasterConnection: PostgresConnection = await openPostgres('bookmaster', options.bookmasterUrl ?? bookmasterDb?.url ?? '');
  await ensureBookmasterDevSchema(bookmasterConnection.pool);
  const bookmasterQueries = recordQueries(bookmasterConnection.pool);
  const ledger = await createLedgerFixture();
  const ledgerQueries = recordQueries(ledger.connection.pool);
  const adapters: Adapters = {
    crm: createCrmAdapter(crmConnection.db),
    omnistack: createOmnistackAdapter(omnistackConnection.db),
    bookmaster: createBookmasterAdapter(bookmasterConnection.pool),
  };
  const prefix = uniqueName('pipeline');
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  const queues = createQueues({ connection: redis, prefix, backoffMs: 100, reconcileDebounceMs: 0 });
  const logger = createLogger({ level: 'silent' });
  const processor = createReconcileProcessor(
    { adapters, links: ledger.links, ledger: ledger.ledger, logger, propagateProfile: options.propagateProfile },
    { platforms, requiredPlatforms: platforms, policy: { ...config.policy, conflict: options.conflictPolicy ?? 'newest' } },
    { metrics: options.metrics, queues: options.propagateProfile ? (options.profileJobs ?? queues) : undefined, shareBulkReads: options.shareBulkReads },
  );
  const workers: WorkerRunner = startWorkers({ reconcile: processor }, ledger.ledger, logger, {
    connection: redis,
    prefix,
    concurrency: options.concurrency ?? 4,
    isRetryable,
  });
  if (options.metrics) observeWorkers(workers.workers, options.metrics);
  const indexStores = async () => {
    await buildLinkIndex(ledger.connection.pool, adapters, platforms);
  };
  const events = new QueueEvents('reconcile', { connection: redis.duplicate(), prefix });
  await events.waitUntilReady();
  return {
    crm: crmConnection.db,
    omnistack: omnistackConnection.db,
    crmConnection,
    omnistackConnection,
    bookmaster: bookmasterConnection.pool,
    bookmasterQueries,
    ledger,
    ledgerQueries,
    adapters,
    queues,
    platforms,
    indexStores,
    reconcile: async (key, reconcileOptions = {}) => {
      if (reconcileOptions.index !== false) await indexStores();
      const { lane } = reconcileOptions;
      const trigger = lane === 'changed' ? ({ type: 'change-event', source: 'test', position: '0' } as const) : ({ type: 'command', via: 'cli' } as const);
      const job = lane
        ? await Job.fromId(queues.byName.reconcile, (await queues.enqueueReconcile(key, trigger, 'user', lane)) ?? '')
        : await queues.byName.reconcile.add('user', { ...key, trigger });
      if (!job) throw new Error(`the reconcile job of ${key.platform}:${key.id} is gone`);
      return (await job.waitUntilFinished(events, JOB_TIMEOUT_MS)) as ReconcileOutcome;
    },
    dispose: () =>
      cleanUp(
        () => workers.close(),
        () => events.close(),
        () => queues.byName.reconcile.obliterate({ force: true }),
        () => queues.byName.propagate.obliterate({ force: true }),
        () => queues.close(),
        () => redis.quit(),
        () => crm.drop(),
        () => omnistack.drop(),
        () => bookmasterConnection.close(),
        () => bookmasterDb?.drop(),
        () => ledger.dispose(),
      ),
  };
}

/** Notes the text of each query sent through `pool.query` (what the adapter uses), then sends it. */
function recordQueries(pool: pg.Pool): string[] {
  const texts: string[] = [];
  const send = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as { query: unknown }).query = (...args: unknown[]) => {
    const [first] = args;
    texts.push(typeof first === 'string' ? first : String((first as { text?: unknown }).text));
    return send(...args);
  };
  return texts;
}
