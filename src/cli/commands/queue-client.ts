import { QueueEvents } from 'bullmq';
import type { Job } from 'bullmq';
import { Option } from 'commander';
import type { Command } from 'commander';
import { JobFailedError, readJobFailure } from '../../jobs/job-errors.ts';
import type { Config } from '../../config/load-config.ts';
import { examples } from '../output.ts';
import { codes, IdsyncError, InvalidInputError } from '../../errors.ts';
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
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidInputError(codes.USAGE, `--timeout must be a positive number of seconds, got ${JSON.stringify(value.slice(0, 20))}`);
  }
  return seconds * MS_PER_SECOND;
}

/**
 * The `--timeout <seconds>` of every command that waits for a job: checked as it is parsed (so a
 * bad value exits 2 before anything connects) and handed to the action in ms.
 */
export function timeoutOption(defaultSeconds: number): Option {
  return new Option('--timeout <seconds>', 'how long to wait for the job before giving up (it stays queued)')
    .argParser(timeoutMs)
    .default(defaultSeconds * MS_PER_SECOND, String(defaultSeconds));
}

const WAIT_HELP = { '--wait': 'wait for the job to finish and print its outcome', '--no-wait': 'only enqueue the job' } as const;

export interface JobOptionsSpec {
  /** The longest wait, when --timeout is not given. */
  readonly defaultWaitSeconds: number;
  /** `--wait` (waits when asked) or `--no-wait` (waits unless told not to). Default: none (always waits). */
  readonly wait?: keyof typeof WAIT_HELP;
  /** The help of --json. Default: 'machine-readable output'. */
  readonly json?: string;
  /** Example command lines for the help. */
  readonly examples: readonly string[];
}

/** What the options of withJobOptions hand the command's action. */
export interface JobFlags {
  /** Set by --wait; false by --no-wait. */
  wait?: boolean;
  /** In ms (timeoutOption). */
  timeout: number;
  json?: boolean;
}

/** The options of every command that enqueues a job and may wait for it: its wait flag, --timeout and --json; and its examples. */
export function withJobOptions(command: Command, spec: JobOptionsSpec): Command {
  if (spec.wait !== undefined) command.option(spec.wait, WAIT_HELP[spec.wait]);
  return command
    .addOption(timeoutOption(spec.defaultWaitSeconds))
    .option('--json', spec.json ?? 'machine-readable output')
    .addHelpText('after', examples(...spec.examples));
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
 * Waits for the job's result, first saying on stderr what it waits for (`what`, e.g. "audit run
 * audit-…") and how long. A failed job is a JobFailedError with the code and platform the job
 * recorded in its data (codes.JOB_FAILED when none); a job still unfinished after `timeout` ms is
 * codes.WAIT_TIMEOUT, naming what was waited for and the state the job is left in.
 */
export async function waitForJob(client: QueueClient, job: Job, timeout: number, what: string): Promise<unknown> {
  if (client.events === undefined) throw new Error('open the client with listen=true to wait');
  const seconds = timeout / MS_PER_SECOND;
  process.stderr.write(`waiting up to ${seconds} s for ${what} on the ${job.queueName} queue (a worker runs it: idsync start)\n`);
  try {
    return await job.waitUntilFinished(client.events, timeout);
  } catch {
    // BullMQ rejects alike on a failure and on the deadline: the job's state tells them apart. It
    // may have finished between the deadline and this look: then its result is the answer.
    const state = await job.getState();
    if (state !== 'completed' && state !== 'failed') {
      const where = `${state} on the ${job.queueName} queue (is a worker running?)`;
      const message = `gave up after ${seconds} s waiting for ${what}, which is ${where}; it stays queued, and --timeout waits longer`;
      throw new IdsyncError(codes.WAIT_TIMEOUT, message);
    }
    const finished = await client.queues.byName[job.queueName as QueueName].getJob(job.id ?? '');
    if (state === 'completed') return finished?.returnvalue;
    const failure = finished === undefined ? null : readJobFailure(finished);
    const where = failure?.platform ? ` on ${failure.platform}` : '';
    throw new JobFailedError(failure, `${what} failed${where}: ${finished?.failedReason ?? 'no reason kept'}`);
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
