import { Job } from 'bullmq';
import type { Queue } from 'bullmq';
import { JobFailedError, readJobFailure } from '../../src/jobs/job-errors.ts';

/**
 * What waiting for a job rejected with, told apart as a command tells it: a job that failed is a
 * JobFailedError with the code and platform it recorded as data; anything else (a timeout) is `error`.
 */
export async function recordedFailure(queue: Queue, jobId: string | undefined, error: unknown): Promise<unknown> {
  const job = await Job.fromId(queue, jobId ?? '');
  if (!job || (await job.getState()) !== 'failed') return error;
  return new JobFailedError(readJobFailure(job), job.failedReason);
}
