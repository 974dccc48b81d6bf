import { closeAll } from '../../config/dependency.ts';
import type { Dependency } from '../../config/dependency.ts';
import type { Config } from '../../config/load-config.ts';
import type { Logger } from '../../logging/logger.ts';
import { createBookmasterAdapter } from '../../platforms/bookmaster/bookmaster-adapter.ts';
import { createCrmAdapter } from '../../platforms/crm/crm-adapter.ts';
import { openMongo } from '../../platforms/mongo-connection.ts';
import { createOmnistackAdapter } from '../../platforms/omnistack/omnistack-adapter.ts';
import { openPostgres } from '../../platforms/postgres-pool.ts';
import type { Adapters } from '../../platforms/platform-adapter.ts';

export interface OpenAdapters {
  readonly adapters: Adapters;
  close(): Promise<void>;
}

/**
 * Only the systems' own stores, for a command that reads them and nothing else (backfill
 * --dry-run): no Redis, no ledger. Supabase has no adapter yet (README, design notes).
 */
export async function openPlatformAdapters(config: Config, logger: Logger): Promise<OpenAdapters> {
  const timeout = { connectTimeoutMs: config.connectTimeoutMs };
  const opened: Dependency[] = [];
  const adapters: Adapters = {};
  try {
    if (config.platforms.includes('crm')) {
      const crm = await openMongo('crm', config.crm, timeout);
      opened.push(crm);
      adapters.crm = createCrmAdapter(crm.db);
    }
    if (config.platforms.includes('omnistack')) {
      const omnistack = await openMongo('omnistack', config.omnistack, timeout);
      opened.push(omnistack);
      adapters.omnistack = createOmnistackAdapter(omnistack.db);
    }
    if (config.platforms.includes('bookmaster')) {
      const bookmaster = await openPostgres('bookmaster', config.bookmaster.dbUrl, timeout);
      opened.push(bookmaster);
      adapters.bookmaster = createBookmasterAdapter(bookmaster.pool);
    }
  } catch (error) {
    await closeAll(opened, logger);
    throw error;
  }
  return { adapters, close: () => closeAll(opened, logger) };
}
