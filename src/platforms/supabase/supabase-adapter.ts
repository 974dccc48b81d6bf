import { isDeepStrictEqual } from 'node:util';
import type { Pool } from 'pg';
import { parsePlatform, requireRawId, TOLERATED_PREFIXES } from '../../ids/index.ts';
import { invalidSnapshot, requireBatchSize, requireEmailQuery, requireLinkChange, requireOwnRecord } from '../adapter-support.ts';
import { editIdMap } from '../id-map-edit.ts';
import { claims } from '../person-record.ts';
import type { LinkChange, PersonRecord } from '../person-record.ts';
import type { PlatformAdapter, ScanOptions, WriteOutcome } from '../platform-adapter.ts';
import type { SupabaseAdmin } from './supabase-admin.ts';
import { isUserNotFound, toSupabaseError } from './supabase-errors.ts';
import { withUserLock } from './supabase-lock.ts';
import { isSupabaseSnapshot, LIVE_USER, parseJsonb, SUPABASE_COLUMNS, toSupabaseRecord, TRIMMED_CHARACTERS } from './supabase-record.ts';
import type { SupabaseRow } from './supabase-record.ts';

const SELECT_BY_ID = `select ${SUPABASE_COLUMNS} from auth.users where id = $1::uuid and ${LIVE_USER}`;
const SELECT_BY_EMAIL = `select ${SUPABASE_COLUMNS} from auth.users where lower(btrim(email, $2)) = $1 and ${LIVE_USER}`;
/**
 * Both sides lower-cased: src/ids reads hex ids in any case, and a Bookmaster id, whose case does
 * matter, is then told apart in JavaScript. `->>` on a map that is not an object gives NULL.
 */
const SELECT_CLAIMING = `select ${SUPABASE_COLUMNS} from auth.users
 where lower(raw_app_meta_data -> 'external_ids' ->> $1::text) = any($2::text[]) and ${LIVE_USER}`;
/** Keyset pages on the primary key; the bound is the previous page's last id. */
const SELECT_FIRST_PAGE = `select ${SUPABASE_COLUMNS} from auth.users where ${LIVE_USER} order by id limit $1`;
const SELECT_NEXT_PAGE = `select ${SUPABASE_COLUMNS} from auth.users where id > $2::uuid and ${LIVE_USER} order by id limit $1`;
/** The guard of the compare-and-set: the user is there and its map is still as read (jsonb equality). */
const LINKS_UNCHANGED = `select 1 from auth.users
 where id = $1::uuid and ${LIVE_USER} and (raw_app_meta_data -> 'external_ids') is not distinct from $2::jsonb`;

/**
 * Supabase Auth's users as a PlatformAdapter: reads are SQL on `auth.users` over the
 * Supabase database (`pool`, SUPABASE_DB_URL), writes go through the auth server's admin API
 * (`admin`), each under the user's advisory lock (supabase-lock.ts).
 */
export function createSupabaseAdapter(pool: Pool, admin: SupabaseAdmin): PlatformAdapter {
  const select = async (text: string, values: unknown[]): Promise<PersonRecord[]> => {
    const { rows } = await pool.query<SupabaseRow>(text, values);
    return rows.map(toSupabaseRecord);
  };
  return {
    platform: 'supabase',
    get: async (id) => (await select(SELECT_BY_ID, [requireRawId('supabase', id)]))[0] ?? null,
    findByEmail: async (email) => {
      const normalized = requireEmailQuery(email);
      // Postgres' lower() may fold differently from JavaScript's: the decision is JavaScript's.
      return (await select(SELECT_BY_EMAIL, [normalized, TRIMMED_CHARACTERS])).filter((record) => record.email === normalized);
    },
    findClaiming: async (platform, id) => {
      const claimed = parsePlatform(platform);
      const canonical = requireRawId(claimed, id);
      if (claimed === 'supabase') return [];
      const forms = [canonical, ...TOLERATED_PREFIXES[claimed].map((prefix) => `${prefix}${canonical}`)].map((form) => form.toLowerCase());
      const records = await select(SELECT_CLAIMING, [claimed, forms]);
      return records.filter((record) => claims(record, claimed, canonical));
    },
    writeLinks: (record, change) => writeSupabaseLinks(pool, admin, record, change),
    scan: (options) => scanUsers(pool, options),
  };
}

/**
 * Sends the whole edited map as `app_metadata.external_ids`: the admin API merges app_metadata's
 * top-level keys, so `provider`, `providers` and any other key stay as they are, and the map's
 * foreign keys are kept by the edit. A user deleted since the guard's read answers 'stale'.
 */
async function writeSupabaseLinks(pool: Pool, admin: SupabaseAdmin, record: PersonRecord, change: LinkChange): Promise<WriteOutcome> {
  const id = requireOwnRecord('supabase', record);
  const targets = requireLinkChange('supabase', change);
  const snapshot = record.snapshot;
  if (!isSupabaseSnapshot(snapshot)) throw invalidSnapshot('supabase');
  const stored = parseJsonb(snapshot.externalIds);
  const edited = editIdMap('supabase', stored, targets);
  if (isDeepStrictEqual(edited, stored)) return 'written';
  return withUserLock(pool, id, async (client) => {
    const { rowCount } = await client.query(LINKS_UNCHANGED, [id, snapshot.externalIds]);
    if (rowCount !== 1) return 'stale';
    const { error } = await admin.updateUserById(id, { app_metadata: { external_ids: edited } });
    if (error === null) return 'written';
    if (isUserNotFound(error)) return 'stale';
    throw toSupabaseError(error, 'update links');
  });
}

/**
 * Pages of `batchSize` rows, each fetched with one extra row that only says whether another page
 * exists: a scan makes exactly ceil(N / batchSize) round trips (one when there are no users) and
 * never asks for a final empty page.
 */
async function* scanUsers(pool: Pool, options: ScanOptions = {}): AsyncGenerator<PersonRecord[]> {
  const batchSize = requireBatchSize(options.batchSize);
  let after: string | null = null;
  for (;;) {
    const rows = await fetchPage(pool, batchSize + 1, after);
    const page = rows.slice(0, batchSize);
    if (page.length > 0) yield page.map(toSupabaseRecord);
    const last = page.at(-1);
    if (rows.length <= batchSize || last === undefined) return;
    after = last.id;
  }
}

async function fetchPage(pool: Pool, limit: number, after: string | null): Promise<SupabaseRow[]> {
  const { rows } =
    after === null
      ? await pool.query<SupabaseRow>(SELECT_FIRST_PAGE, [limit])
      : await pool.query<SupabaseRow>(SELECT_NEXT_PAGE, [limit, after]);
  return rows;
}
