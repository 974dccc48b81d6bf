import { Job, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import { createPropagateProcessor } from '../../src/jobs/propagate-processor.ts';
import { startWorkers } from '../../src/jobs/worker-runner.ts';
import type { WorkerRunner } from '../../src/jobs/worker-runner.ts';
import { isRetryable } from '../../src/platforms/registry.ts';
import type { Trigger } from '../../src/ledger/provenance.ts';
import { createCrmProfileReader } from '../../src/platforms/crm/crm-profile.ts';
import type { MongoConnection } from '../../src/platforms/mongo-connection.ts';
import { createOmnistackProfileTarget } from '../../src/platforms/omnistack/omnistack-profile.ts';
import type { ProfileTargets } from '../../src/platforms/profile-target.ts';
import type { PropagateDependencies, PropagateOutcome } from '../../src/propagate/propagate-profile.ts';
import { createQueues } from '../../src/queues/queues.ts';
import type { Queues } from '../../src/queues/queues.ts';
import { createLedgerFixture } from './ledger-fixture.ts';
import type { LedgerFixture } from './ledger-fixture.ts';
import { capturingLogger } from './log-capture.ts';
import { uniqueName } from './names.ts';
import { openTestMongo } from './platform-fixtures.ts';
import { testConfig } from './services.ts';
import { cleanUp } from './clean-up.ts';

const JOB_TIMEOUT_MS = 20_000;
export const COMMAND_TRIGGER: Trigger = { type: 'command', via: 'cli' };

export interface PropagateFixtureOptions {
  /** The targets the worker writes to. Default: OmniStack's real one. */
  targets?: (omnistack: Db) => ProfileTargets;
}

/**
 * The propagate pipeline on the real services, in namespaces of its own: a CRM and an OmniStack
 * database (OmniStack's `email` unique, as Mongoose's `unique: true` makes it), a ledger database
 * and a queue prefix, all removed by `dispose`. Mongo commands are observable, and the worker's
 * log lines are kept, so tests can count writes and look for leaked values.
 */
export interface PropagateFixture {
  readonly crm: Db;
  readonly omnistack: Db;
  readonly crmConnection: MongoConnection;
  readonly omnistackConnection: MongoConnection;
  readonly ledger: LedgerFixture;
  readonly queues: Queues;
  readonly deps: PropagateDependencies;
  readonly logs: Array<Record<string, unknown>>;
  /** Enqueues a profile job with Queues.enqueuePropagateProfile and waits for its outcome. */
  propagate(crmId: string, trigger?: Trigger): Promise<PropagateOutcome>;
  /** Adds a job with any payload and waits for it to fail; answers the failed job. */
  failing(data: unknown, name?: string): Promise<Job>;
  dispose(): Promise<void>;
}

export async function createPropagateFixture(options: PropagateFixtureOptions = {}): Promise<PropagateFixture> {
  const config = testConfig();
  const crm = await openTestMongo('trackmaster');
  const omnistack = await openTestMongo('omnistack');
  const [crmConnection, omnistackConnection] = [crm.connection, omnistack.connection];
  await omnistackConnection.db.collection('users').createIndex({ email: 1 }, { unique: true });
  const ledger = await createLedgerFixture();
  const { logger, logs } = capturingLogger();
  const targets = options.targets?.(omnistackConnection.db) ?? { omnistack: createOmnistackProfileTarget(omnistackConnection.db) };
  const deps: PropagateDependencies = { crm: createCrmProfileReader(crmConnection.db), targets, ledger: ledger.ledger, logger };
  const prefix = uniqueName('propagate');
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  const queues = createQueues({ connection: redis, prefix, backoffMs: 100, propagateDebounceMs: 0 });
  const workers: WorkerRunner = startWorkers({ propagate: createPropagateProcessor(deps) }, ledger.ledger, logger, { connection: redis, prefix, isRetryable });
  const events = new QueueEvents('propagate', { connection: redis.duplicate(), prefix });
  await events.waitUntilReady();
  const queue = queues.byName.propagate;
  return {
    crm: crmConnection.db,
    omnistack: omnistackConnection.db,
    crmConnection,
    omnistackConnection,
    ledger,
    queues,
    deps,
    logs,
    propagate: async (crmId, trigger = COMMAND_TRIGGER) => {
      const id = await queues.enqueuePropagateProfile(crmId, trigger);
      const job = id === undefined ? undefined : await Job.fromId(queue, id);
      if (!job) throw new Error(`the profile job of ${crmId} is gone`);
      return (await job.waitUntilFinished(events, JOB_TIMEOUT_MS)) as PropagateOutcome;
    },
    failing: async (data, name = 'profile') => {
      const job = await queue.add(name, data);
      await job.waitUntilFinished(events, JOB_TIMEOUT_MS).then(
        () => Promise.reject(new Error(`job ${job.id} completed`)),
        () => undefined,
      );
      const failed = await Job.fromId(queue, job.id ?? '');
      if (!failed) throw new Error(`job ${job.id} is gone`);
      return failed;
    },
    dispose: () =>
      cleanUp(
        () => workers.close(),
        () => events.close(),
        () => queue.obliterate({ force: true }),
        () => queues.close(),
        () => redis.quit(),
        () => crm.drop(),
        () => omnistack.drop(),
        () => ledger.dispose(),
      ),
  };
}
