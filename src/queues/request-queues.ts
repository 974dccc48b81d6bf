import type { Redis } from 'ioredis';
import { raceDeadline } from '../deadline.ts';
import { IdsyncError, ServiceUnreachableError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { createQueues } from './queues.ts';
import type { Queues } from './queues.ts';
import type { RedisConnection } from './redis-connection.ts';

/** The queues a request handler (the HTTP API, Bull Board, /metrics) enqueues on and reads. */
export interface RequestQueues {
  readonly queues: Queues;
  /** Closes the queues and their connection. Safe to call more than once. */
  close(): Promise<void>;
}

export interface RequestQueuesOptions {
  /** Redis key prefix of every queue. Default: 'idsync'. */
  prefix?: string;
  /** How long a request may wait for Redis, in ms (CONNECT_TIMEOUT_MS). */
  timeoutMs: number;
  logger: Logger;
  /** As createQueues' option of the same name. Default: 50. */
  reconcileDebounceMs?: number;
}

/**
 * Queues on a Redis client of their own, set to fail fast as BullMQ advises for producers behind an
 * HTTP API: while Redis is away a command is refused at once instead of waiting in ioredis' offline
 * queue for the reconnect (which would hold the request for as long as Redis is down), and a
 * command Redis does not answer (a server that holds the connection but is stuck) fails after
 * `timeoutMs`. Each enqueue that fails that way, or takes longer than `timeoutMs`, throws a
 * ServiceUnreachableError (answered 503). The connection the watchers and workers share keeps
 * waiting for reconnects: for them a short outage should be a pause, not a failure.
 */
export function openRequestQueues(connection: Pick<RedisConnection, 'client' | 'url'>, options: RequestQueuesOptions): RequestQueues {
  const client = connection.client.duplicate({ enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: options.timeoutMs });
  client.on('error', (error: Error) => options.logger.warn({
    dependency: 'redis',
    url: connection.url,
    err: error.message,
  }, 'redis connection error (request queues)'));
  const queues = createQueues({ connection: client, prefix: options.prefix, reconcileDebounceMs: options.reconcileDebounceMs });
  // Each queue re-emits its connection's errors, and BullMQ prints an unheard one to the console:
  // the client's listener above has logged it once already.
  for (const queue of Object.values(queues.byName)) queue.on('error', () => undefined);
  const guard = guardFor(client, connection.url, options.timeoutMs);
  let closed: Promise<void> | undefined;
  return {
    queues: {
      ...queues,
      enqueueReconcile: (...args) => guard(() => queues.enqueueReconcile(...args)),
      enqueuePropagateProfile: (...args) => guard(() => queues.enqueuePropagateProfile(...args)),
      enqueueProvision: (...args) => guard(() => queues.enqueueProvision(...args)),
      enqueueMaintenance: (...args) => guard(() => queues.enqueueMaintenance(...args)),
    },
    close: () =>
      (closed ??= queues.close().then(() =>
        client.quit().then(
          () => undefined,
          () => client.disconnect(),
        ),
      )),
  };
}

/**
 * Runs `work` for at most `timeoutMs`. Redis did not answer when the deadline passed, or when the
 * work failed while the client was not connected or only after the deadline (ioredis' command
 * timeout): those become a ServiceUnreachableError. Other failures (idsync's own, a Redis error
 * reply) pass through unchanged.
 */
function guardFor(client: Redis, url: string, timeoutMs: number) {
  return async <T>(work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const unanswered = (cause: unknown) => new ServiceUnreachableError('redis', url, cause);
    try {
      // The deadline fails as unreachable itself: its timer may fire a fraction of a millisecond
      // before performance.now() says timeoutMs passed, so the check below could miss it.
      return await raceDeadline(work(), timeoutMs, () => {
        throw unanswered(new Error(`no answer within ${timeoutMs} ms`));
      });
    } catch (error) {
      if (error instanceof IdsyncError) throw error;
      if (client.status !== 'ready' || performance.now() - started >= timeoutMs) throw unanswered(error);
      throw error;
    }
  };
}
