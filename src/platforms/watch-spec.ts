import type { Collection } from 'mongodb';
import type { Pool } from 'pg';
import type { Platform } from '../ids/index.ts';

/*
 * What a platform asks to have watched, described by the platform; the watchers (src/watchers/sources.ts)
 * name each source, give it a lease and run it. Watchers import this, never the other way round.
 */

/** A table of a Postgres database. Names are constants of idsync, never input. */
export interface WatchedTable {
  readonly schema: string;
  readonly name: string;
}

/** A MongoDB collection, through its change stream. */
export interface MongoWatch {
  readonly platform: Platform;
  /** What its documents are: a person's record, or a client's. */
  readonly kind: 'user' | 'client';
  readonly collection: Collection;
}

/** A Postgres table, through logical replication. */
export interface PostgresWatch {
  readonly platform: Platform;
  readonly table: WatchedTable;
  /** The database URL; the feed opens a replication connection of its own. */
  readonly url: string;
  /** For creating the publication and the slot. */
  readonly pool: Pool;
}

/** A Postgres table, through Supabase Realtime's `postgres_changes`. */
export interface RealtimeWatch {
  readonly platform: Platform;
  readonly table: WatchedTable;
  /** The Supabase project URL (`SUPABASE_URL`); supabase-js derives the Realtime socket from it. */
  readonly url: string;
  /** Realtime must see the table past row-level security, which only the service role does. */
  readonly serviceRoleKey: string;
}

export type WatchSpec =
  | ({ readonly transport: 'mongo' } & MongoWatch)
  | ({ readonly transport: 'postgres' } & PostgresWatch)
  | ({ readonly transport: 'realtime' } & RealtimeWatch);
