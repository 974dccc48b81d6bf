import { Worker } from 'bullmq';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enqueueReconcilesBulk } from '../../../src/audit/enqueue-bulk.ts';
import { createQueues } from '../../../src/queues/queues.ts';
import type { Queues } from '../../../src/queues/queues.ts';
import { laneOf } from '../../../src/queues/reconcile-lanes.ts';
import { uniqueName } from '../../support/names.ts';
import { newObjectId } from '../../support/platform-seeders.ts';
import { testConfig } from '../../support/services.ts';
import { waitFor } from '../../support/wait-for.ts';

const BY_SCHEDULE = { type: 'schedule', scheduler: 'audit' } as const;
const BY_EVENT = { type: 'change-event', source: 'crm.User', position: '{}' } as const;

describe('the reconcile lanes', () => {
  let redis: Redis;
  let prefix: string;
  let queues: Queues;
  let worker: Worker | undefined;

  beforeEach(() => {
    redis = new Redis(testConfig().redis.url, { maxRetriesPerRequest: null });
    prefix = uniqueName('lanes');
    queues = createQueues({ connection: redis, prefix, reconcileDebounceMs: 0 });
  });

  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    await queues.byName.reconcile.obliterate({ force: true });
    await queues.close();
    await redis.quit();
  });

  it('serve a live change before every bulk job queued ahead of it, and a job tells its lane', async () => {
    const bulk = Array.from({ length: 30 }, () => ({ platform: 'crm' as const, id: newObjectId() }));
    await enqueueReconcilesBulk(queues.byName.reconcile, bulk.slice(0, 20), BY_SCHEDULE);
    for (const key of bulk.slice(20)) await queues.enqueueReconcile(key, BY_SCHEDULE, 'user', 'bulk');
    const live = { platform: 'omnistack' as const, id: newObjectId() };
    await queues.enqueueReconcile(live, BY_EVENT);

    const order: string[] = [];
    worker = new Worker('reconcile', async (job: Job) => void order.push(`${laneOf(job.opts)} ${job.data.platform}:${job.data.id}`), { connection: redis, prefix, concurrency: 1 });
    await waitFor('every job to run', () => order.length === 31);
    expect(order[0]).toBe(`live omnistack:${live.id}`);
    expect(new Set(order.slice(1))).toEqual(new Set(bulk.map((key) => `bulk crm:${key.id}`)));
  });

  it('deduplicate within a lane, never across: a record waiting in bulk still gets its live job', async () => {
    const key = { platform: 'crm' as const, id: newObjectId() };
    await enqueueReconcilesBulk(queues.byName.reconcile, [key, key], BY_SCHEDULE);
    await queues.enqueueReconcile(key, BY_SCHEDULE, 'user', 'bulk');
    expect(await queues.byName.reconcile.getJobCounts('prioritized', 'waiting', 'delayed')).toEqual({ prioritized: 1, waiting: 0, delayed: 0 });

    await queues.enqueueReconcile(key, BY_EVENT);
    await queues.enqueueReconcile(key, BY_EVENT);
    expect(await queues.byName.reconcile.getJobCounts('prioritized', 'waiting', 'delayed')).toEqual({ prioritized: 1, waiting: 1, delayed: 0 });
  });

  it("keep a changed record's job apart from a live one, so a job that must gather is never replaced by one that may end early", async () => {
    const key = { platform: 'crm' as const, id: newObjectId() };
    await queues.enqueueReconcile(key, BY_EVENT, 'user', 'live');
    await queues.enqueueReconcile(key, BY_EVENT, 'user', 'changed');
    await queues.enqueueReconcile(key, BY_EVENT, 'user', 'changed');

    const lanes: string[] = [];
    worker = new Worker('reconcile', async (job: Job) => void lanes.push(laneOf(job.opts)), { connection: redis, prefix, concurrency: 1 });
    const reconcile = queues.byName.reconcile;
    await waitFor('both jobs to complete', async () => (await reconcile.getJobCounts('completed')).completed === 2);
    expect(lanes.sort()).toEqual(['changed', 'live']);
    expect(await reconcile.getJobCounts('waiting', 'delayed', 'active')).toEqual({ waiting: 0, delayed: 0, active: 0 });
  });
});
