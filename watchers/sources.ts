import type { Db } from 'mongodb';
import type { Pool } from 'pg';
import type { Config } from '../src/config/load-config.ts';
import type { Logger } from '../src/logging/logger.ts';
import { CRM_CLIENTS_COLLECTION, CRM_USERS_COLLECTION } from '../src/platforms/crm/crm-record.ts';
import { OMNISTACK_CLIENTS_COLLECTION, OMNISTACK_USERS_COLLECTION } from '../src/platforms/omnistack/omnistack-record.ts';
import type { MongoSource } from './mongo-source.ts';
import type { PostgresSource } from './pg-watcher.ts';
import type { RealtimeSource } from './realtime-watcher.ts';

/** The connections the watchers use; idsync's open Dependencies have this shape. */
export interface WatcherConnections {
  readonly crm?: { readonly db: Db };
  readonly omnistack?: { readonly db: Db };
  readonly bookmaster?: { readonly pool: Pool };
  readonly supabaseDb?: { readonly pool: Pool };
}

export type WatchedSource =
  | { readonly transport: 'mongo'; readonly source: MongoSource }
  | { readonly transport: 'postgres'; readonly source: PostgresSource }
  | { readonly transport: 'realtime'; readonly source: RealtimeSource };

export type WatcherConfig = Pick<Config, 'platforms' | 'supabase' | 'bookmaster' | 'watch'>;

/**
 * Every source this configuration watches: the CRM's and OmniStack's user and client collections,
 * Bookmaster's users table and Supabase's `auth.users`: through logical replication with
 * SUPABASE_WATCH=replication, through Realtime with SUPABASE_WATCH=realtime.
 */
export function describeSources(config: WatcherConfig, connections: WatcherConnections, logger: Logger): WatchedSource[] {
  const sources: WatchedSource[] = [];
  const uses = (platform: Config['platforms'][number]) => config.platforms.includes(platform);
  for (const platform of ['crm', 'omnistack'] as const) {
    const db = connections[platform]?.db;
    if (!uses(platform) || !db) continue;
    const collections = platform === 'crm' ? [CRM_USERS_COLLECTION, CRM_CLIENTS_COLLECTION] : [OMNISTACK_USERS_COLLECTION, OMNISTACK_CLIENTS_COLLECTION];
    for (const [index, name] of collections.entries()) {
      const kind = index === 0 ? 'user' : 'client';
      sources.push({ transport: 'mongo', source: { name: `${platform}.${name}`, platform, kind, collection: db.collection(name) } });
    }
  }
  const bookmaster = connections.bookmaster?.pool;
  if (uses('bookmaster') && bookmaster) {
    // The ERP's table as its adapter knows it (src/platforms/bookmaster), in the default schema.
    sources.push(postgresSource(config, 'bookmaster', { schema: 'public', name: 'users' }, config.bookmaster.dbUrl, bookmaster));
  }
  if (uses('supabase')) sources.push(...supabaseSources(config, connections, logger));
  return sources;
}

const SUPABASE_USERS = { schema: 'auth', name: 'users' } as const;

function supabaseSources(config: WatcherConfig, connections: WatcherConnections, logger: Logger): WatchedSource[] {
  const { watch, url, serviceRoleKey, dbUrl } = config.supabase;
  const pool = connections.supabaseDb?.pool;
  if (watch === 'replication' && pool) return [postgresSource(config, 'supabase', SUPABASE_USERS, dbUrl, pool)];
  if (watch === 'realtime') {
    return [{ transport: 'realtime', source: { name: 'supabase.auth.users', platform: 'supabase', table: SUPABASE_USERS, url, serviceRoleKey } }];
  }
  logger.warn({ platform: 'supabase', watch }, 'Supabase changes are not watched; they reach idsync through audits and backfills');
  return [];
}

function postgresSource(config: WatcherConfig, platform: 'bookmaster' | 'supabase', table: PostgresSource['table'], url: string, pool: Pool): WatchedSource {
  // One slot and one publication per platform; the prefix keeps deployments sharing a server apart.
  const name = `${config.watch.slotPrefix}_${platform}`;
  return {
    transport: 'postgres',
    source: { name: `${platform}.${table.schema === 'public' ? '' : `${table.schema}.`}${table.name}`, platform, table, url, pool, names: { slot: name, publication: name } },
  };
}
