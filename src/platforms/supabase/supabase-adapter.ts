import { isDeepStrictEqual } from 'node:util';
import type { Pool } from 'pg';
import { requireLinkWrite } from '../adapter-support.ts';
import { editIdMap } from '../id-map-edit.ts';
import type { LinkChange, PersonRecord } from '../person-record.ts';
import type { PlatformAdapter, WriteOutcome } from '../platform-adapter.ts';
import { parseJsonb, userTableReads } from '../sql-user-table.ts';
import type { SupabaseAdmin } from './supabase-admin.ts';
import { isUserNotFound, toSupabaseError } from './supabase-errors.ts';
import { withUserLock } from './supabase-lock.ts';
import type { Guard } from './supabase-lock.ts';
import { isSupabaseSnapshot, LIVE_USER, SUPABASE_USERS, toSupabaseRecord } from './supabase-record.ts';

/** The guard of the compare-and-set: the user is there and its map is still as read (jsonb equality). */
function linksUnchanged(id: string, externalIds: string | null): Guard {
  return (literal) => `select 1 from auth.users
 where id = ${literal(id)}::uuid and ${LIVE_USER} and (raw_app_meta_data -> 'external_ids') is not distinct from ${literal(externalIds)}::jsonb`;
}

/**
 * Supabase Auth's users as a PlatformAdapter: reads are SQL on `auth.users` over the
 * Supabase database (`pool`, SUPABASE_DB_URL), writes go through the auth server's admin API
 * (`admin`), each under the user's advisory lock (supabase-lock.ts).
 */
export function createSupabaseAdapter(pool: Pool, admin: SupabaseAdmin): PlatformAdapter {
  return {
    ...userTableReads(pool, SUPABASE_USERS, toSupabaseRecord),
    writeLinks: (record, change) => writeSupabaseLinks(pool, admin, record, change),
  };
}

/**
 * Sends the whole edited map as `app_metadata.external_ids`: the admin API merges app_metadata's
 * top-level keys, so `provider`, `providers` and any other key stay as they are, and the map's
 * foreign keys are kept by the edit. A user deleted since the guard's read answers 'stale'.
 */
async function writeSupabaseLinks(pool: Pool, admin: SupabaseAdmin, record: PersonRecord, change: LinkChange): Promise<WriteOutcome> {
  const { id, targets, snapshot } = requireLinkWrite('supabase', record, change, isSupabaseSnapshot);
  const stored = parseJsonb(snapshot.externalIds);
  const edited = editIdMap('supabase', stored, targets);
  if (isDeepStrictEqual(edited, stored)) return 'written';
  return withUserLock(pool, id, linksUnchanged(id, snapshot.externalIds), async () => {
    const { error } = await admin.updateUserById(id, { app_metadata: { external_ids: edited } });
    if (error === null) return 'written';
    if (isUserNotFound(error)) return 'stale';
    throw toSupabaseError(error, 'update links');
  });
}
