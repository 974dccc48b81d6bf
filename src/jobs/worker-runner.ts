import { Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Ledger } from '../ledger/ledger.ts';
import type { Logger } from '../logging/logger.ts';
import { scrubMessage } from '../logging/scrub.ts';
import { formatRecordKey, parseRecordKey } from '../ids/index.ts';
import type { QueueName } from '../queues/queue-names.ts';
import { clearJobFailure, jobFailureOf, recordJobFailure, toJobError } from './job-errors.ts';

export type Processor = (job: Job) => Promise<unknown>;

export interface WorkerRunnerOptions {
  connection: Redis;
  /** Redis key prefix, as the queues use. Default: 'idsync'. */
  prefix?: string;
  /** Jobs one worker runs at once. Default: 4. */
  concurrency?: number;
  /** Whether an error that is no IdsyncError may succeed on retry. Default: always. */
  isRetryable?: (error: unknown) => boolean;
  /**
   * How long a job's lock lasts between renewals, in ms: a worker that dies holds its jobs this long
   * before another worker takes them over as stalled. Default: 30000 (BullMQ's).
   */
  lockDurationMs?: number;
  /** How often a worker looks for stalled jobs (their lock expired), in ms. Default: 30000 (BullMQ's). */
  stalledIntervalMs?: number;
}

export interface WorkerRunner {
  readonly workers: readonly Worker[];
  /** Waits for the jobs in flight to finish, then stops. Safe to call more than once. */
  close(): Promise<void>;
}

/** Starts one BullMQ worker per queue that has a processor; each failure goes to the ledger. */
export function startWorkers(processors: Partial<Record<QueueName, Processor>>, ledger: Ledger, logger: Logger, options: WorkerRunnerOptions): WorkerRunner {
  const isRetryable = options.isRetryable ?? (() => true);
  const workers = Object.entries(processors).map(([queue, processor]) => {
    const worker = new Worker(
      queue,
      recordingFailures(processor, { queue, isRetryable, logger }),
      // The shared connection: BullMQ makes (and closes) its own blocking connection from it.
      {
        connection: options.connection,
        prefix: options.prefix ?? 'idsync',
        concurrency: options.concurrency ?? 4,
        ...(options.lockDurationMs === undefined ? {} : { lockDuration: options.lockDurationMs }),
        ...(options.stalledIntervalMs === undefined ? {} : { stalledInterval: options.stalledIntervalMs }),
      },
    );
    worker.on('failed', (job, error) => void recordFailure({ queue, job, error, isRetryable }, ledger, logger));
    worker.on('error', (error) => logger.error({ queue, err: error }, 'worker error'));
    return worker;
  });
  let closing: Promise<void> | undefined;
  return {
    workers,
    close: () => (closing ??= Promise.all(workers.map((worker) => worker.close())).then(() => undefined)),
  };
}

/**
 * Runs `processor` on a job cleared of a previous attempt's failure; a failure is written into the
 * job (job-errors.ts) and handed to BullMQ as retryable or not.
 */
function recordingFailures(processor: Processor, context: { queue: string; isRetryable: (error: unknown) => boolean; logger: Logger }): Processor {
  const { queue, isRetryable, logger } = context;
  return async (job: Job) => {
    await clearJobFailure(job);
    try {
      return await processor(job);
    } catch (error) {
      await recordJobFailure(job, jobFailureOf(error, isRetryable)).catch((recordError: unknown) =>
        logger.warn({ queue, jobId: job.id, err: recordError }, 'could not record the failure in the job'),
      );
      throw toJobError(error, isRetryable);
    }
  };
}

interface Failure {
  queue: string;
  job: Job | undefined;
  error: Error;
  isRetryable: (error: unknown) => boolean;
}

async function recordFailure({ queue, job, error, isRetryable }: Failure, ledger: Ledger, logger: Logger): Promise<void> {
  const personKey = personKeyOf(job);
  const message = scrubMessage(error.message);
  const failure = jobFailureOf(error, isRetryable);
  logger.warn({ queue, jobId: job?.id, personKey, attempt: job?.attemptsMade, err: message }, 'job failed');
  try {
    await ledger.recordSyncError({
      personKey,
      platform: failure.platform,
      queue,
      jobName: job?.name ?? 'unknown',
      jobId: job?.id ?? 'unknown',
      errorCode: failure.code,
      errorMessage: message,
      attempt: Math.max(1, job?.attemptsMade ?? 1),
    });
  } catch (ledgerError) {
    logger.error({ queue, jobId: job?.id, err: ledgerError }, 'could not record a job failure in the ledger');
  }
}

/**
 * The record a job names (`platform` and `id`, or a profile job's `crmId`), only when it is a valid
 * one: job data is input like any other.
 */
function personKeyOf(job: Job | undefined): string | null {
  const data = (job?.data ?? {}) as { platform?: unknown; id?: unknown; crmId?: unknown };
  const named = data.crmId === undefined ? `${String(data.platform)}:${String(data.id)}` : `crm:${String(data.crmId)}`;
  try {
    return formatRecordKey(parseRecordKey(named));
  } catch {
    return null;
  }
}
