import { Redis } from 'ioredis';
import type { Dependency } from '../config/dependency.ts';
import { maskUrl } from '../config/mask-url.ts';
import { ServiceUnreachableError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { SETTING_DEFAULTS } from '../config/env-schema.ts';

export interface RedisConnection extends Dependency {
  /** Shared by queues; BullMQ duplicates it for the blocking connections of workers. */
  readonly client: Redis;
}

export interface RedisConnectionOptions {
  /** How long the first connection may take, in ms. Default: 5000. */
  connectTimeoutMs?: number;
}

/**
 * Proves Redis answers with a one-shot client that does not retry (so an unreachable server fails
 * start at once), then opens the long-lived client that reconnects for ever, as BullMQ requires.
 */
export async function openRedis(url: string, logger: Logger, options: RedisConnectionOptions = {}): Promise<RedisConnection> {
  const masked = maskUrl(url);
  const connectTimeout = options.connectTimeoutMs ?? SETTING_DEFAULTS.connectTimeoutMs;
  await probe(url, masked, connectTimeout);
  // maxRetriesPerRequest: null is BullMQ's requirement: a command waits for the reconnect instead of failing.
  const client = new Redis(url, { maxRetriesPerRequest: null, connectTimeout });
  client.on('error', (error: Error) => logger.warn({ dependency: 'redis', url: masked, err: error.message }, 'redis connection error'));
  let quit: Promise<void> | undefined;
  return {
    name: 'redis',
    url: masked,
    client,
    check: async () => {
      await client.ping();
    },
    close: () =>
      (quit ??= client.quit().then(
        () => undefined,
        () => client.disconnect(),
      )),
  };
}

async function probe(url: string, masked: string, connectTimeout: number): Promise<void> {
  const probeClient = new Redis(url, { lazyConnect: true, connectTimeout, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  let lastError: unknown = new Error('connection closed');
  probeClient.on('error', (error: unknown) => {
    lastError = error;
  });
  try {
    await probeClient.connect();
    await probeClient.ping();
  } catch {
    throw new ServiceUnreachableError('redis', masked, lastError);
  } finally {
    probeClient.disconnect();
  }
}
