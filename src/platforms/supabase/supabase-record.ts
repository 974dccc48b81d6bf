import { isMapSnapshot, mapRecord } from '../sql-user-table.ts';
import type { MapSnapshot, UserRow, UserTable } from '../sql-user-table.ts';
import type { PersonRecord } from '../person-record.ts';

/*
 * Supabase Auth's `auth.users` as idsync reads it. Links live in
 * `raw_app_meta_data -> 'external_ids'` only: `raw_user_meta_data` is the user's own to write, so
 * nothing in it is ever read as a link.
 */

/** A soft-deleted user (GoTrue's `should_soft_delete`) is gone for idsync: every read has this condition. */
export const LIVE_USER = 'deleted_at is null';

export const SUPABASE_USERS: UserTable = {
  platform: 'supabase',
  table: 'auth.users',
  map: "raw_app_meta_data -> 'external_ids'",
  idType: 'uuid',
  live: LIVE_USER,
};

/** A row of `auth.users`: `id` is a uuid as Postgres prints it (lower-case, canonical). */
export type SupabaseRow = UserRow;
export type SupabaseSnapshot = MapSnapshot;

const SNAPSHOT_KIND = 'supabase-user';

export const isSupabaseSnapshot = (value: unknown): value is SupabaseSnapshot => isMapSnapshot(value, SNAPSHOT_KIND);

/** An `auth.users` row as a PersonRecord. */
export function toSupabaseRecord(row: SupabaseRow): PersonRecord {
  return mapRecord('supabase', row, row.id, SNAPSHOT_KIND);
}
