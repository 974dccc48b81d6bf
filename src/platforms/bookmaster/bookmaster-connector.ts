import type { Pool } from 'pg';
import type { PlatformConnector } from '../connector.ts';
import { isRetryablePostgresError } from '../postgres-errors.ts';
import { openPostgres } from '../postgres-pool.ts';
import type { WatchSpec } from '../watch-spec.ts';
import { createBookmasterAdapter } from './bookmaster-adapter.ts';
import { ensureBookmasterDevSchema } from './dev-schema.ts';

/** Bookmaster ERP (PostgreSQL): its users table. The ERP owns its schema; idsync creates it for development only. */
export const bookmasterConnector: PlatformConnector = {
  platform: 'bookmaster',
  open: async (config, options) => {
    const connection = await openPostgres('bookmaster', config.bookmaster.dbUrl, options);
    return {
      platform: 'bookmaster',
      dependencies: [connection],
      adapter: createBookmasterAdapter(connection.pool),
      watch: bookmasterWatch(config.bookmaster.dbUrl, connection.pool),
      prepareDev: () => ensureBookmasterDevSchema(connection.pool),
    };
  },
  isRetryable: isRetryablePostgresError,
};

/** The ERP's `users` table as its adapter knows it, in the default schema, through logical replication. */
export function bookmasterWatch(url: string, pool: Pool): WatchSpec[] {
  return [{ transport: 'postgres', platform: 'bookmaster', table: { schema: 'public', name: 'users' }, url, pool }];
}
