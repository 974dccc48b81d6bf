import { Job, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import type pg from 'pg';
import { createProvisionProcessor } from '../../src/jobs/provision-processor.ts';
import type { ProvisionOptions } from '../../src/jobs/provision-processor.ts';
import { startWorkers } from '../../src/jobs/worker-runner.ts';
import type { WorkerRunner, WorkerRunnerOptions } from '../../src/jobs/worker-runner.ts';
import { isRetryable } from '../../src/platforms/registry.ts';
import type { Platform } from '../../src/ids/index.ts';
import { createLedger } from '../../src/ledger/ledger.ts';
import { buildLinkIndex } from '../../src/link-index/build-link-index.ts';
import { createLinkIndex } from '../../src/link-index/link-index.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { createBookmasterAdapter } from '../../src/platforms/bookmaster/bookmaster-adapter.ts';
import { ensureBookmasterDevSchema } from '../../src/platforms/bookmaster/dev-schema.ts';
import { createCrmAccountOpener } from '../../src/platforms/crm/crm-account.ts';
import { createCrmAdapter } from '../../src/platforms/crm/crm-adapter.ts';
import { openMongo } from '../../src/platforms/mongo-connection.ts';
import type { MongoConnection } from '../../src/platforms/mongo-connection.ts';
import { createOmnistackAccountOpener } from '../../src/platforms/omnistack/omnistack-account.ts';
import { createOmnistackAdapter } from '../../src/platforms/omnistack/omnistack-adapter.ts';
import { openPostgres } from '../../src/platforms/postgres-pool.ts';
import type { PostgresConnection } from '../../src/platforms/postgres-pool.ts';
import { createQueues } from '../../src/queues/queues.ts';
import type { Queues } from '../../src/queues/queues.ts';
import { reconcilePerson } from '../../src/reconcile/reconcile-person.ts';
import { createLedgerFixture } from './ledger-fixture.ts';
import type { LedgerFixture } from './ledger-fixture.ts';
import { recordedFailure } from './job-failure.ts';
import { uniqueName } from './names.ts';
import { createTemporaryDatabase, testConfig } from './services.ts';
import type { TemporaryDatabase } from './services.ts';
import { cleanUp } from './clean-up.ts';

/** Where one provision test keeps its data: names a child worker process can open too. */
export interface ProvisionNamespace {
  readonly crmDatabase: string;
  readonly omnistackDatabase: string;
  readonly bookmasterUrl: string;
  readonly ledgerUrl: string;
  readonly queuePrefix: string;
  readonly platforms: readonly Platform[];
}

/** The stores of a namespace, opened. */
export interface ProvisionStores {
  readonly crm: MongoConnection;
  readonly omnistack: MongoConnection;
  readonly bookmaster: PostgresConnection;
  readonly redis: Redis;
  readonly ledgerPool: pg.Pool;
  close(): Promise<void>;
}

export async function openProvisionStores(namespace: ProvisionNamespace, ledgerPool: pg.Pool): Promise<ProvisionStores> {
  const config = testConfig();
  const crm = await openMongo('crm', { url: config.crm.url, database: namespace.crmDatabase }, { monitorCommands: true });
  const omnistack = await openMongo('omnistack', { url: config.omnistack.url, database: namespace.omnistackDatabase }, { monitorCommands: true });
  const bookmaster = await openPostgres('bookmaster', namespace.bookmasterUrl);
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  const close = async () => {
    await redis.quit();
    await crm.close();
    await omnistack.close();
    await bookmaster.close();
  };
  return { crm, omnistack, bookmaster, redis, ledgerPool, close };
}

/** A provision worker over the stores, as `idsync start` builds it (src/app/start-workers.ts). */
export function startProvisionWorker(stores: ProvisionStores, namespace: ProvisionNamespace, options: ProvisionOptions & Pick<WorkerRunnerOptions, 'lockDurationMs' | 'stalledIntervalMs'> = {}): WorkerRunner {
  const logger = createLogger({ level: 'silent' });
  const ledger = createLedger(stores.ledgerPool);
  const adapters = { crm: createCrmAdapter(stores.crm.db), omnistack: createOmnistackAdapter(stores.omnistack.db), bookmaster: createBookmasterAdapter(stores.bookmaster.pool) };
  const provision = createProvisionProcessor(
    {
      openers: { omnistack: createOmnistackAccountOpener(stores.omnistack.db), crm: createCrmAccountOpener(stores.crm.db) },
      reconcile: async (origin, context) => {
        // What the watchers would have done for every record the test wrote: index it.
        await buildLinkIndex(stores.ledgerPool, adapters, namespace.platforms);
        return reconcilePerson({ adapters, links: createLinkIndex(stores.ledgerPool), ledger, logger }, origin, context, { platforms: namespace.platforms });
      },
      ledger,
      logger,
    },
    { platforms: namespace.platforms },
    { afterStep: options.afterStep },
  );
  return startWorkers({ provision }, ledger, logger, { connection: stores.redis, prefix: namespace.queuePrefix, isRetryable, lockDurationMs: options.lockDurationMs, stalledIntervalMs: options.stalledIntervalMs });
}

/**
 * The create-staff-member pipeline on the real services: a CRM and an OmniStack database (email
 * unique in both, as Prisma's `@unique` and Mongoose's `unique: true` make it), a Bookmaster
 * database, a ledger and a queue prefix, all removed by `dispose`. No worker runs until a test
 * starts one, so a test can also hand the job to a worker in another process.
 */
export interface ProvisionFixture {
  readonly namespace: ProvisionNamespace;
  readonly stores: ProvisionStores;
  readonly crm: Db;
  readonly omnistack: Db;
  readonly ledger: LedgerFixture;
  readonly queues: Queues;
  readonly events: QueueEvents;
  /** Waits for the job to finish; resolves with its result, rejects with its failure. */
  finished(jobId: string | undefined, timeoutMs?: number): Promise<unknown>;
  dispose(): Promise<void>;
}

export async function createProvisionFixture(platforms: readonly Platform[] = ['crm', 'omnistack', 'bookmaster']): Promise<ProvisionFixture> {
  const bookmasterDb: TemporaryDatabase = await createTemporaryDatabase('bookmaster');
  const ledger = await createLedgerFixture();
  const namespace: ProvisionNamespace = {
    crmDatabase: uniqueName('trackmaster'),
    omnistackDatabase: uniqueName('omnistack'),
    bookmasterUrl: bookmasterDb.url,
    ledgerUrl: ledger.url,
    queuePrefix: uniqueName('provision'),
    platforms,
  };
  const stores = await openProvisionStores(namespace, ledger.connection.pool);
  await ensureBookmasterDevSchema(stores.bookmaster.pool);
  await stores.crm.db.collection('User').createIndex({ email: 1 }, { unique: true });
  await stores.omnistack.db.collection('users').createIndex({ email: 1 }, { unique: true });
  const queues = createQueues({ connection: stores.redis, prefix: namespace.queuePrefix, backoffMs: 100 });
  const events = new QueueEvents('provision', { connection: stores.redis.duplicate(), prefix: namespace.queuePrefix });
  await events.waitUntilReady();
  return {
    namespace,
    stores,
    crm: stores.crm.db,
    omnistack: stores.omnistack.db,
    ledger,
    queues,
    events,
    finished: async (jobId, timeoutMs = 20_000) => {
      const job = await Job.fromId(queues.byName.provision, jobId ?? '');
      if (!job) throw new Error(`job ${jobId} is gone`);
      return job.waitUntilFinished(events, timeoutMs).catch(async (error: unknown) => {
        throw await recordedFailure(queues.byName.provision, jobId, error);
      });
    },
    dispose: () =>
      cleanUp(
        () => events.close(),
        () => queues.byName.provision.obliterate({ force: true }),
        () => queues.close(),
        () => stores.crm.db.dropDatabase(),
        () => stores.omnistack.db.dropDatabase(),
        () => stores.close(),
        () => bookmasterDb.drop(),
        () => ledger.dispose(),
      ),
  };
}
