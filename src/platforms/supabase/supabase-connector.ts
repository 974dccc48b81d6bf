import { closeAll } from '../../config/dependency.ts';
import type { PlatformConnector } from '../connector.ts';
import { openPostgres } from '../postgres-pool.ts';
import { openSupabaseAuth } from './auth-connection.ts';
import { createSupabaseAccountOpener } from './supabase-account.ts';
import { createSupabaseAdapter } from './supabase-adapter.ts';
import { createSupabaseAdmin } from './supabase-admin.ts';
import { isRetryableSupabaseError } from './supabase-errors.ts';
import { createSupabaseProfileTarget } from './supabase-profile.ts';
import { supabaseWatch } from './supabase-watch.ts';

/**
 * Supabase Auth: its users are read in SQL on `auth.users` (SUPABASE_DB_URL) and written through
 * the auth server's admin API (SUPABASE_AUTH_URL, with the service role key). Both must answer.
 */
export const supabaseConnector: PlatformConnector = {
  platform: 'supabase',
  open: async (config, options) => {
    const { authUrl, serviceRoleKey, dbUrl } = config.supabase;
    const [database, auth] = await Promise.allSettled([
      openPostgres('supabase-db', dbUrl, options),
      openSupabaseAuth(authUrl, serviceRoleKey, options),
    ]);
    if (database.status === 'rejected' || auth.status === 'rejected') {
      await closeAll([database, auth].flatMap((opened) => (opened.status === 'fulfilled' ? [opened.value] : [])), options.logger);
      throw database.status === 'rejected' ? database.reason : (auth as PromiseRejectedResult).reason;
    }
    const { pool } = database.value;
    const admin = createSupabaseAdmin(authUrl, serviceRoleKey);
    return {
      platform: 'supabase',
      dependencies: [database.value, auth.value],
      adapter: createSupabaseAdapter(pool, admin),
      profileTarget: createSupabaseProfileTarget(pool, admin),
      accountOpener: createSupabaseAccountOpener(pool, admin),
      watch: supabaseWatch(config.supabase, pool, options.logger),
    };
  },
  isRetryable: isRetryableSupabaseError,
};
