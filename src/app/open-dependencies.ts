import { closeAll } from '../config/dependency.ts';
import type { Dependency } from '../config/dependency.ts';
import type { Config } from '../config/load-config.ts';
import type { Logger } from '../logging/logger.ts';
import { openMongo } from '../platforms/mongo-connection.ts';
import type { MongoConnection } from '../platforms/mongo-connection.ts';
import { openPostgres } from '../platforms/postgres-pool.ts';
import type { PostgresConnection } from '../platforms/postgres-pool.ts';
import { openSupabaseAuth } from '../platforms/supabase/auth-connection.ts';
import { openRedis } from '../queues/redis-connection.ts';
import type { RedisConnection } from '../queues/redis-connection.ts';

export interface Dependencies {
  readonly redis: RedisConnection;
  readonly ledger: PostgresConnection;
  readonly crm?: MongoConnection;
  readonly omnistack?: MongoConnection;
  readonly bookmaster?: PostgresConnection;
  readonly supabaseDb?: PostgresConnection;
  readonly supabaseAuth?: Dependency;
  /** Every open dependency, in the order they are closed. */
  readonly all: readonly Dependency[];
}

/**
 * Opens every service the configuration needs, concurrently. If any cannot be reached, the others
 * are closed again and the first failure (a ServiceUnreachableError naming the service) is thrown.
 */
export async function openDependencies(config: Config, logger: Logger): Promise<Dependencies> {
  const timeout = { connectTimeoutMs: config.connectTimeoutMs };
  const uses = (platform: Config['platforms'][number]) => config.platforms.includes(platform);
  const openers = {
    redis: () => openRedis(config.redis.url, logger, timeout),
    ledger: () => openPostgres('ledger', config.ledger.dbUrl, timeout),
    crm: uses('crm') ? () => openMongo('crm', config.crm, timeout) : undefined,
    omnistack: uses('omnistack') ? () => openMongo('omnistack', config.omnistack, timeout) : undefined,
    bookmaster: uses('bookmaster') ? () => openPostgres('bookmaster', config.bookmaster.dbUrl, timeout) : undefined,
    supabaseDb: uses('supabase') ? () => openPostgres('supabase-db', config.supabase.dbUrl, timeout) : undefined,
    supabaseAuth: uses('supabase')
      ? () => openSupabaseAuth(config.supabase.authUrl, config.supabase.serviceRoleKey, timeout)
      : undefined,
  };
  const entries = Object.entries(openers).filter((entry): entry is [string, () => Promise<Dependency>] => entry[1] !== undefined);
  const settled = await Promise.allSettled(entries.map(([, open]) => open()));
  const opened = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) {
    await closeAll(opened, logger);
    throw failure.reason;
  }
  const byKey = Object.fromEntries(entries.map(([key], index) => [key, opened[index]]));
  return { ...byKey, all: opened } as unknown as Dependencies;
}
