import type { Pool } from 'pg';
import type { Config } from '../../config/load-config.ts';
import type { Logger } from '../../logging/logger.ts';
import type { WatchSpec } from '../watch-spec.ts';

const SUPABASE_USERS = { schema: 'auth', name: 'users' } as const;

/**
 * How Supabase's `auth.users` is watched (SUPABASE_WATCH): logical replication on the Supabase
 * database (`pool`, SUPABASE_DB_URL), Supabase Realtime at SUPABASE_URL with the service role key,
 * or not at all (a warning: changes then reach idsync through audits and backfills). For the
 * Supabase connector's `watch`.
 */
export function supabaseWatch(config: Config['supabase'], pool: Pool | undefined, logger: Logger): WatchSpec[] {
  const { watch, url, serviceRoleKey, dbUrl } = config;
  if (watch === 'replication' && pool) return [{ transport: 'postgres', platform: 'supabase', table: SUPABASE_USERS, url: dbUrl, pool }];
  if (watch === 'realtime') return [{ transport: 'realtime', platform: 'supabase', table: SUPABASE_USERS, url, serviceRoleKey }];
  logger.warn({ platform: 'supabase', watch }, 'Supabase changes are not watched; they reach idsync through audits and backfills');
  return [];
}
