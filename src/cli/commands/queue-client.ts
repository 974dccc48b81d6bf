import { QueueEvents } from 'bullmq';
import type { Job } from 'bullmq';
import { errorCode } from '../../../jobs/job-errors.ts';
import type { Config } from '../../config/load-config.ts';
import { IdsyncError, InvalidInputError } from '../../errors.ts';
import { createLogger } from '../../logging/logger.ts';
import type { QueueName } from '../../queues/queue-names.ts';
import { createQueues } from '../../queues/queues.ts';
import type { Queues } from '../../queues/queues.ts';
import { openRedis } from '../../queues/redis-connection.ts';
import type { RedisConnection } from '../../queues/redis-connection.ts';

const MS_PER_SECOND = 1_000;

/** `--timeout <seconds>` as commander hands it over; a bad value is bad usage. */
export function timeoutMs(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidInputError('IDSYNC_ERR_USAGE', `--timeout must be a positive number of seconds, got ${JSON.stringify(value.slice(0, 20))}`);
  return seconds * MS_PER_SECOND;
}

export interface QueueClient {
  readonly queues: Queues;
  /** Present when the caller waits for jobs. */
  readonly events: QueueEvents | undefined;
  close(): Promise<void>;
}

/** Opens Redis, the queues and (when `listen`) the events of `queue` (default: maintenance), for a command that enqueues and may wait. */
export async function openQueueClient(config: Config, listen: boolean, queue: QueueName = 'maintenance'): Promise<QueueClient> {
  const logger = createLogger({ level: 'warn' });
  const redis: RedisConnection = await openRedis(config.redis.url, logger, { connectTimeoutMs: config.connectTimeoutMs });
  const queues = createQueues({ connection: redis.client, prefix: config.redis.queuePrefix });
  // QueueEvents blocks on its connection, so it gets one of its own; BullMQ does not close a
  // connection it was handed, so close() does.
  const eventsConnection = listen ? redis.client.duplicate() : undefined;
  const events = eventsConnection ? new QueueEvents(queue, { connection: eventsConnection, prefix: config.redis.queuePrefix }) : undefined;
  const close = async () => {
    await events?.close();
    eventsConnection?.disconnect();
    await queues.close();
    await redis.close();
  };
  try {
    await events?.waitUntilReady();
  } catch (error) {
    await close();
    throw error;
  }
  return { queues, events, close };
}

/**
 * Waits for the job's result. A failed job becomes an IdsyncError with the code its error carried
 * (IDSYNC_ERR_JOB_FAILED when none); a wait past `timeout` is IDSYNC_ERR_WAIT_TIMEOUT.
 */
export async function waitForJob(client: QueueClient, job: Job, timeout: number): Promise<unknown> {
  if (client.events === undefined) throw new Error('open the client with listen=true to wait');
  try {
    return await job.waitUntilFinished(client.events, timeout);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/timed out/i.test(message)) {
      throw new IdsyncError('IDSYNC_ERR_WAIT_TIMEOUT', `job ${job.id} did not finish in time (is a worker running?); it stays queued`);
    }
    const code = errorCode(error, () => false);
    throw new IdsyncError(code.startsWith('IDSYNC_ERR_UNEXPECTED') ? 'IDSYNC_ERR_JOB_FAILED' : (code as `IDSYNC_ERR_${string}`), `job ${job.id} failed: ${message}`);
  }
}

/**
 * A progress line on stderr: rewritten in place on a terminal, one line per update otherwise
 * (no progress-bar library is installed; see the README's design notes).
 */
export function progressLine(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\u001b[2K${text}`);
  else process.stderr.write(`${text}\n`);
}

export function endProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\n');
}
