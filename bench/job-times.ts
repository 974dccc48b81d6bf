import type { Queue } from 'bullmq';
import { openNamespaceQueues } from './queues.ts';
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
  const opened = openNamespaceQueues(env, ['reconcile']);
  const [queue] = opened.queues as [Queue];
  try {
    const jobs = await queue.getJobs(['completed'], 0, SAMPLE - 1, false);
    const runs = jobs.flatMap((job) => (job.processedOn && job.finishedOn ? [job.finishedOn - job.processedOn] : []));
    return { sampled: runs.length, runMs: distribution(runs) };
  } finally {
    await opened.close();
  }
}
