import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config/load-config.ts';

/** The named queues of a namespace (its `env`'s Redis and prefix), on one connection. */
export interface NamespaceQueues {
  readonly queues: readonly Queue[];
  /** Closes the queues, then the connection. */
  close(): Promise<void>;
}

export function openNamespaceQueues(env: Record<string, string>, names: readonly string[]): NamespaceQueues {
  const { url, queuePrefix } = loadConfig({ NODE_ENV: 'test', ...env }).redis;
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queues = names.map((name) => new Queue(name, { connection, prefix: queuePrefix }));
  return {
    queues,
    close: async () => {
      await Promise.all(queues.map((queue) => queue.close()));
      connection.disconnect();
    },
  };
}
