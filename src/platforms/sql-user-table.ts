import type { Pool } from 'pg';
import { readIdMap, requireRawId } from '../ids/index.ts';
import type { Platform } from '../ids/index.ts';
import { normalizeStoredEmail, requireBatchSize, requireEmailQuery } from './adapter-support.ts';
import type { PersonRecord, UnreadableLink } from './person-record.ts';
import type { PlatformAdapter, ScanOptions } from './platform-adapter.ts';

/*
 * A Postgres table of people whose links are one jsonb map of raw ids (Bookmaster's `users`,
 * Supabase's `auth.users`): how such a table is read, whatever its names. Each adapter keeps its
 * own writes; the reads, and the record a row becomes, are the same for both.
 */

/** The ASCII whitespace String.prototype.trim removes; btrim alone would strip spaces only. */
export const TRIMMED_CHARACTERS = ' \t\n\r\f\v';

/** Where a system keeps its people. Every part is a constant of idsync, never input. */
export interface UserTable {
  readonly platform: Platform;
  /** The table, schema-qualified where it is not in the default schema. */
  readonly table: string;
  /** The SQL expression of the jsonb map of links. */
  readonly map: string;
  /** The id column's type, which bound ids are cast to. */
  readonly idType: 'text' | 'uuid';
  /** A condition every live row meets (e.g. not soft-deleted). Default: every row is live. */
  readonly live?: string;
}

/** One row as the reads select it: the map comes as jsonb's own text (see `mapSnapshot`). */
export interface UserRow {
  id: string;
  email: unknown;
  external_ids: string | null;
  created_at: Date;
}

/** What a link write compares against: the map exactly as read, in jsonb's text form. */
export interface MapSnapshot {
  readonly kind: string;
  readonly externalIds: string | null;
}

export function isMapSnapshot(value: unknown, kind: string): value is MapSnapshot {
  if (typeof value !== 'object' || value === null) return false;
  const snapshot = value as Partial<Record<keyof MapSnapshot, unknown>>;
  return snapshot.kind === kind && (snapshot.externalIds === null || typeof snapshot.externalIds === 'string');
}

/** jsonb text always parses; SQL NULL reads as nothing stored. */
export function parseJsonb(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

/**
 * A row as a PersonRecord, with `id` already canonical. The map's text is kept as the snapshot
 * (rather than letting the driver parse it) so that the compare-and-set compares exactly what was
 * read, even a number JavaScript cannot hold exactly.
 */
export function mapRecord(platform: Platform, row: UserRow, id: string, snapshotKind: string): PersonRecord {
  const stored = parseJsonb(row.external_ids);
  const map = readIdMap(platform, stored);
  const unreadable: UnreadableLink[] = map.malformed.map(({ platform: target, value, reason }) => ({ platform: target, value, reason }));
  if (map.shape === 'not-an-object') unreadable.push({ platform: null, value: stored, reason: 'bad-format' });
  const snapshot: MapSnapshot = { kind: snapshotKind, externalIds: row.external_ids };
  return { platform, id, email: normalizeStoredEmail(row.email), createdAt: row.created_at, links: map.links, extraLinks: {}, unreadable, snapshot };
}

function statements(shape: UserTable) {
  // A row with no creation time counts as the oldest: a record needs a date.
  const columns = `id::text as id, email, (${shape.map})::text as external_ids, coalesce(created_at, 'epoch'::timestamptz) as created_at`;
  const live = shape.live ?? 'true';
  const from = `select ${columns} from ${shape.table} as stored where ${live}`;
  return {
    byIds: `${from} and id = any($1::${shape.idType}[])`,
    byEmail: `${from} and lower(btrim(email, $2)) = $1`,
    // Keyset pages: the primary key index serves both the bound and the order. The order names the
    // table's column: `order by id` names the output column, the id as text, which no index of a
    // uuid key serves, and each page sorted the whole table (0.2 s and more a page at 1,000,000 users).
    firstPage: `${from} order by stored.id limit $1`,
    nextPage: `${from} and stored.id > $2::${shape.idType} order by stored.id limit $1`,
  };
}

export type UserTableReads = Pick<PlatformAdapter, 'platform' | 'get' | 'getMany' | 'findByEmail' | 'scan'>;

/** The reads of a PlatformAdapter over `shape`; `toRecord` answers null for a row that is not the system's own. */
export function userTableReads(pool: Pool, shape: UserTable, toRecord: (row: UserRow) => PersonRecord | null): UserTableReads {
  const sql = statements(shape);
  const { platform } = shape;
  const select = async (text: string, values: unknown[]): Promise<PersonRecord[]> => {
    const { rows } = await pool.query<UserRow>(text, values);
    return rows.flatMap((row) => toRecord(row) ?? []);
  };
  const getMany = async (ids: readonly string[]) => (ids.length === 0 ? [] : select(sql.byIds, [ids.map((id) => requireRawId(platform, id))]));
  return {
    platform,
    get: async (id) => (await getMany([id]))[0] ?? null,
    getMany,
    findByEmail: async (email) => {
      const normalized = requireEmailQuery(email);
      // Postgres' lower() may fold differently from JavaScript's: the decision is JavaScript's.
      return (await select(sql.byEmail, [normalized, TRIMMED_CHARACTERS])).filter((record) => record.email === normalized);
    },
    scan: (options) => scanPages(pool, sql, toRecord, options),
  };
}

/**
 * Pages of `batchSize` rows, each fetched with one extra row that only says whether another page
 * exists: a scan makes exactly ceil(N / batchSize) round trips (one when the table is empty) and
 * never asks for a final empty page.
 */
async function* scanPages(
  pool: Pool,
  sql: ReturnType<typeof statements>,
  toRecord: (row: UserRow) => PersonRecord | null, options: ScanOptions = {},
): AsyncGenerator<PersonRecord[]> {
  const batchSize = requireBatchSize(options.batchSize);
  let after: string | null = null;
  for (;;) {
    const query = after === null ? pool.query<UserRow>(sql.firstPage, [batchSize + 1]) : pool.query<UserRow>(sql.nextPage, [batchSize + 1, after]);
    const rows: UserRow[] = (await query).rows;
    const page = rows.slice(0, batchSize);
    const records = page.flatMap((row) => toRecord(row) ?? []);
    if (records.length > 0) yield records;
    const last = page.at(-1);
    if (rows.length <= batchSize || last === undefined) return;
    // The bound is the last row's own id, not the last record's: a row skipped as foreign still counts.
    after = last.id;
  }
}
