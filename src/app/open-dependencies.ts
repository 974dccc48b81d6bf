import { closeAll } from '../config/dependency.ts';
import type { Dependency } from '../config/dependency.ts';
import type { Config } from '../config/load-config.ts';
import type { Logger } from '../logging/logger.ts';
import type { OpenPlatforms } from '../platforms/connector.ts';
import { openPostgres } from '../platforms/postgres-pool.ts';
import type { PostgresConnection } from '../platforms/postgres-pool.ts';
import { openSyncedPlatforms } from '../platforms/registry.ts';
import { openRedis } from '../queues/redis-connection.ts';
import type { RedisConnection } from '../queues/redis-connection.ts';

export interface Dependencies {
  readonly redis: RedisConnection;
  readonly ledger: PostgresConnection;
  /** Every synced platform, open (src/platforms/registry.ts). */
  readonly platforms: OpenPlatforms;
  /** Every open dependency, in the order they are closed. */
  readonly all: readonly Dependency[];
}

/**
 * Opens Redis, the ledger and every synced platform, concurrently. If any cannot be reached, the
 * others are closed again and the first failure (a ServiceUnreachableError naming the service) is
 * thrown.
 */
export async function openDependencies(config: Config, logger: Logger): Promise<Dependencies> {
  const options = { connectTimeoutMs: config.connectTimeoutMs, logger };
  const [redis, ledger, platforms] = await Promise.allSettled([
    openRedis(config.redis.url, logger, options),
    openPostgres('ledger', config.ledger.dbUrl, options),
    openSyncedPlatforms(config, options),
  ]);
  if (redis.status === 'fulfilled' && ledger.status === 'fulfilled' && platforms.status === 'fulfilled') {
    const all = [redis.value, ledger.value, ...platforms.value.dependencies];
    return { redis: redis.value, ledger: ledger.value, platforms: platforms.value.platforms, all };
  }
  const opened = [redis, ledger].flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  await closeAll([...opened, ...(platforms.status === 'fulfilled' ? platforms.value.dependencies : [])], logger);
  throw [redis, ledger, platforms].find((result) => result.status === 'rejected')?.reason;
}
