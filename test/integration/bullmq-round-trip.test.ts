import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { uniqueName } from '../support/names.ts';
import { testConfig } from '../support/services.ts';

describe('BullMQ on the local Redis', () => {
  const prefix = uniqueName('test');
  let connection: Redis;

  beforeEach(() => {
    connection = new Redis(testConfig().redis.url, { maxRetriesPerRequest: null });
  });

  afterEach(async () => {
    const keys = await connection.keys(`${prefix}:*`);
    if (keys.length > 0) await connection.del(...keys);
    await connection.quit();
  });

  it('carries a job to a worker and its result back', async () => {
    const name = 'round-trip';
    const queue = new Queue(name, { connection, prefix });
    const events = new QueueEvents(name, { connection: connection.duplicate(), prefix });
    const worker = new Worker<{ value: number }, { doubled: number }>(name, async (job) => ({ doubled: job.data.value * 2 }), {
      connection: connection.duplicate(),
      prefix,
    });
    try {
      await events.waitUntilReady();
      const job = await queue.add('double', { value: 21 });
      expect(await job.waitUntilFinished(events, 10_000)).toEqual({ doubled: 42 });
      expect(await queue.getJobCounts('completed')).toEqual({ completed: 1 });
    } finally {
      await worker.close();
      await events.close();
      await queue.close();
    }
  });
});
