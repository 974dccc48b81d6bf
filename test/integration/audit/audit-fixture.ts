import { QueueEvents } from 'bullmq';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { CommandStartedEvent, Db } from 'mongodb';
import pg from 'pg';
import { vi } from 'vitest';
import { createMaintenanceProcessor } from '../../../src/jobs/maintenance.ts';
import type { BackfillOptions } from '../../../src/jobs/backfill-processor.ts';
import type { MaintenanceConfig, MaintenanceDependencies } from '../../../src/jobs/maintenance-payloads.ts';
import { createLinkIndex } from '../../../src/link-index/link-index.ts';
import { createReconcileProcessor } from '../../../src/jobs/reconcile-processor.ts';
import { startWorkers } from '../../../src/jobs/worker-runner.ts';
import type { WorkerRunner } from '../../../src/jobs/worker-runner.ts';
import { isRetryable } from '../../../src/platforms/registry.ts';
import { newRunId } from '../../../src/queues/run-id.ts';
import type { Config } from '../../../src/config/load-config.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { createBookmasterAdapter } from '../../../src/platforms/bookmaster/bookmaster-adapter.ts';
import { ensureBookmasterDevSchema } from '../../../src/platforms/bookmaster/dev-schema.ts';
import { createCrmAdapter } from '../../../src/platforms/crm/crm-adapter.ts';
import { openMongo } from '../../../src/platforms/mongo-connection.ts';
import type { MongoConnection } from '../../../src/platforms/mongo-connection.ts';
import { createOmnistackAdapter } from '../../../src/platforms/omnistack/omnistack-adapter.ts';
import { openPostgres } from '../../../src/platforms/postgres-pool.ts';
import type { PostgresConnection } from '../../../src/platforms/postgres-pool.ts';
import { createQueues } from '../../../src/queues/queues.ts';
import type { Queues } from '../../../src/queues/queues.ts';
import type { Adapters } from '../../../src/platforms/platform-adapter.ts';
import { recordedFailure } from '../../support/job-failure.ts';
import { createLedgerFixture } from '../../support/ledger-fixture.ts';
import type { LedgerFixture } from '../../support/ledger-fixture.ts';
import { uniqueName } from '../../support/names.ts';
import { createTemporaryDatabase, testConfig } from '../../support/services.ts';
import type { TemporaryDatabase } from '../../support/services.ts';
import { waitFor } from '../../support/wait-for.ts';

const JOB_TIMEOUT_MS = 60_000;

export interface AuditFixtureOptions {
  /** Environment overrides for the config (AUDIT_BATCH_SIZE, CLEANUP_MODE, ...). */
  env?: Record<string, string>;
  /** Start workers for the reconcile and maintenance queues. Default: true. */
  workers?: boolean;
  /** With workers, also run reconciles (false leaves them queued, to be counted). Default: true. */
  reconcileWorkers?: boolean;
  backfill?: BackfillOptions;
}

/**
 * The three scannable systems, a ledger and the queues, each in a namespace of its own, with
 * workers for the reconcile and maintenance queues. Mongo commands and Postgres queries are
 * counted, so tests can measure round trips. `env` is what an `idsync` child process needs to
 * reach the same namespaces.
 */
export interface AuditFixture {
  readonly config: Config;
  readonly crm: Db;
  readonly omnistack: Db;
  readonly bookmaster: pg.Pool;
  readonly ledger: LedgerFixture;
  readonly adapters: Adapters;
  readonly queues: Queues;
  readonly deps: MaintenanceDependencies;
  readonly env: Record<string, string>;
  /** Commands sent to MongoDB (both databases) and queries to Postgres (Bookmaster, ledger) since the last reset. */
  counts(): { mongo: number; bookmaster: number; ledger: number };
  resetCounts(): void;
  /** Adds a maintenance job with a fresh run id and waits for its result. */
  runJob<T>(name: 'audit' | 'cleanup-orphans' | 'backfill', data: object): Promise<T>;
  /** Adds a maintenance job and returns it without waiting. */
  addJob(name: 'audit' | 'cleanup-orphans' | 'backfill', data: object): Promise<Job>;
  waitForJob<T>(job: Job): Promise<T>;
  /** Waits until the reconcile queue has nothing waiting, delayed or running. */
  reconcilesDrained(): Promise<void>;
  dispose(): Promise<void>;
}

interface Stores {
  crm: MongoConnection;
  omnistack: MongoConnection;
  bookmasterDb: TemporaryDatabase;
  bookmaster: PostgresConnection;
  ledger: LedgerFixture;
}

async function openStores(config: Config): Promise<Stores> {
  const crm = await openMongo('crm', { url: config.crm.url, database: uniqueName('trackmaster') }, { monitorCommands: true });
  const omnistack = await openMongo('omnistack', { url: config.omnistack.url, database: uniqueName('omnistack') }, { monitorCommands: true });
  const bookmasterDb = await createTemporaryDatabase('bookmaster');
  const bookmaster = await openPostgres('bookmaster', bookmasterDb.url);
  await ensureBookmasterDevSchema(bookmaster.pool);
  return { crm, omnistack, bookmasterDb, bookmaster, ledger: await createLedgerFixture() };
}

function mongoUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function createAuditFixture(options: AuditFixtureOptions = {}): Promise<AuditFixture> {
  // Every synced system required, so that a person without a Bookmaster record is a planted 'missing'.
  const synced = { PLATFORMS: 'crm,omnistack,bookmaster', REQUIRED_PLATFORMS: 'crm,omnistack,bookmaster' };
  const base = testConfig({ ...synced, ...options.env });
  const stores = await openStores(base);
  const prefix = uniqueName('audit');
  const env = {
    ...synced,
    ...options.env,
    CRM_MONGO_URL: mongoUrl(base.crm.url, stores.crm.db.databaseName),
    OMNISTACK_MONGO_URL: mongoUrl(base.omnistack.url, stores.omnistack.db.databaseName),
    BOOKMASTER_DB_URL: stores.bookmasterDb.url,
    LEDGER_DB_URL: stores.ledger.url,
    QUEUE_PREFIX: prefix,
  };
  const config = testConfig(env);
  const counters = countRoundTrips(stores);
  const adapters: Adapters = {
    crm: createCrmAdapter(stores.crm.db),
    omnistack: createOmnistackAdapter(stores.omnistack.db),
    bookmaster: createBookmasterAdapter(stores.bookmaster.pool),
  };
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  const queues = createQueues({ connection: redis, prefix, backoffMs: 100, reconcileDebounceMs: 0 });
  const logger = createLogger({ level: 'silent' });
  const deps: MaintenanceDependencies = { adapters, ledgerPool: stores.ledger.connection.pool, ledger: stores.ledger.ledger, queues, logger, isRetryable };
  const workers = (options.workers ?? true) ? startFixtureWorkers(deps, config, { redis, prefix, backfill: options.backfill, reconcile: options.reconcileWorkers ?? true }) : undefined;
  const events = new QueueEvents('maintenance', { connection: redis.duplicate(), prefix });
  await events.waitUntilReady();
  const addJob = (name: 'audit' | 'cleanup-orphans' | 'backfill', data: object) => queues.byName.maintenance.add(name, data, { jobId: newRunId(name) });
  const waitForJob = async <T>(job: Job) =>
    (await job.waitUntilFinished(events, JOB_TIMEOUT_MS).catch(async (error: unknown) => {
      throw await recordedFailure(queues.byName.maintenance, job.id, error);
    })) as T;
  return {
    config,
    crm: stores.crm.db,
    omnistack: stores.omnistack.db,
    bookmaster: stores.bookmaster.pool,
    ledger: stores.ledger,
    adapters,
    queues,
    deps,
    env,
    counts: counters.counts,
    resetCounts: counters.reset,
    addJob,
    waitForJob,
    runJob: async <T>(name: 'audit' | 'cleanup-orphans' | 'backfill', data: object) => waitForJob<T>(await addJob(name, data)),
    reconcilesDrained: () => reconcilesDrained(queues),
    dispose: async () => {
      counters.stop();
      await workers?.close();
      await events.close();
      for (const queue of Object.values(queues.byName)) await queue.obliterate({ force: true });
      await queues.close();
      await redis.quit();
      await disposeStores(stores);
    },
  };
}

interface WorkerSetup {
  redis: Redis;
  prefix: string;
  backfill?: BackfillOptions;
  reconcile: boolean;
}

function startFixtureWorkers(deps: MaintenanceDependencies, config: MaintenanceConfig, setup: WorkerSetup): WorkerRunner {
  const reconcile = createReconcileProcessor({ adapters: deps.adapters, links: createLinkIndex(deps.ledgerPool), ledger: deps.ledger, logger: deps.logger }, config);
  const maintenance = createMaintenanceProcessor(deps, config, { backfill: setup.backfill });
  const processors = setup.reconcile ? { reconcile, maintenance } : { maintenance };
  return startWorkers(processors, deps.ledger, deps.logger, { connection: setup.redis, prefix: setup.prefix, concurrency: 4, isRetryable });
}

function countRoundTrips(stores: Stores) {
  let mongo = 0;
  const count = (event: CommandStartedEvent) => {
    if (!['hello', 'isMaster', 'ismaster', 'ping', 'endSessions'].includes(event.commandName)) mongo += 1;
  };
  stores.crm.client.on('commandStarted', count);
  stores.omnistack.client.on('commandStarted', count);
  const bookmaster = vi.spyOn(stores.bookmaster.pool, 'query');
  // Every statement any client sends to the ledger's database: the pool's, and the connections the
  // link index rebuild opens beside it.
  const ledgerDatabase = new URL(stores.ledger.url).pathname.slice(1);
  const sent = vi.spyOn(pg.Client.prototype, 'query');
  let ledger = 0;
  const countLedger = () => {
    ledger += sent.mock.contexts.filter((client) => (client as pg.Client).database === ledgerDatabase).length;
    sent.mockClear();
    return ledger;
  };
  return {
    counts: () => ({ mongo, bookmaster: bookmaster.mock.calls.length, ledger: countLedger() }),
    reset: () => {
      mongo = 0;
      countLedger();
      ledger = 0;
      bookmaster.mockClear();
    },
    /** The spies off again: the one on pg.Client's prototype would otherwise outlive the fixture and count for the next. */
    stop: () => {
      sent.mockRestore();
      bookmaster.mockRestore();
    },
  };
}

async function reconcilesDrained(queues: Queues): Promise<void> {
  await waitFor(
    'the reconcile queue to drain',
    async () => {
      const counts = await queues.byName.reconcile.getJobCounts('waiting', 'delayed', 'active', 'prioritized', 'waiting-children');
      return Object.values(counts).every((count) => count === 0);
    },
    { timeoutMs: JOB_TIMEOUT_MS },
  );
}

async function disposeStores(stores: Stores): Promise<void> {
  await stores.crm.db.dropDatabase();
  await stores.omnistack.db.dropDatabase();
  await stores.crm.close();
  await stores.omnistack.close();
  await stores.bookmaster.close();
  await stores.bookmasterDb.drop();
  await stores.ledger.dispose();
}
