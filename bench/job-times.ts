import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config/load-config.ts';
import { distribution } from './stats.ts';
import type { Distribution } from './stats.ts';

/*
 * How long the workers' reconcile jobs ran (BullMQ's processedOn -> finishedOn), read from the
 * completed jobs the queue keeps (the newest 10,000 at most). With a fixed number of jobs in flight
 * (the worker role runs 4 per process), rate x run time = jobs in flight: when the cores are not
 * saturated, the run time is what bounds the rate.
 */

const SAMPLE = 1_000;

export interface JobTimes {
  readonly sampled: number;
  readonly runMs: Distribution;
}

/** The run times of the newest `SAMPLE` completed reconcile jobs of the namespace's queues. */
export async function reconcileJobTimes(env: Record<string, string>): Promise<JobTimes> {
  const { url, queuePrefix } = loadConfig({ NODE_ENV: 'test', ...env }).redis;
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue('reconcile', { connection, prefix: queuePrefix });
  try {
    const jobs = await queue.getJobs(['completed'], 0, SAMPLE - 1, false);
    const runs = jobs.flatMap((job) => (job.processedOn && job.finishedOn ? [job.finishedOn - job.processedOn] : []));
    return { sampled: runs.length, runMs: distribution(runs) };
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
