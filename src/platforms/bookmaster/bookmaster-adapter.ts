import { isDeepStrictEqual } from 'node:util';
import type { Pool } from 'pg';
import { parsePlatform, requireRawId, TOLERATED_PREFIXES } from '../../ids/index.ts';
import {
  invalidSnapshot,
  requireBatchSize,
  requireEmailQuery,
  requireLinkChange,
  requireOwnRecord,
} from '../adapter-support.ts';
import { editIdMap } from '../id-map-edit.ts';
import { claims } from '../person-record.ts';
import type { LinkChange, PersonRecord } from '../person-record.ts';
import type { PlatformAdapter, ScanOptions, WriteOutcome } from '../platform-adapter.ts';
import { BOOKMASTER_COLUMNS, isBookmasterSnapshot, parseExternalIds, toBookmasterRecord } from './bookmaster-record.ts';
import type { BookmasterRow } from './bookmaster-record.ts';

/** The ASCII whitespace String.prototype.trim removes; btrim alone would strip spaces only. */
const TRIMMED_CHARACTERS = ' \t\n\r\f\v';

const SELECT_BY_ID = `select ${BOOKMASTER_COLUMNS} from users where id = $1`;
const SELECT_BY_EMAIL = `select ${BOOKMASTER_COLUMNS} from users where lower(btrim(email, $2)) = $1`;
/**
 * Every id src/ids reads in a Bookmaster map is a hex id (ObjectId, UUID), which it reads in any
 * case, so the stored value is compared lower-cased against each tolerated form. `->>` on a map
 * that is not an object gives NULL, which matches nothing.
 */
const SELECT_CLAIMING = `select ${BOOKMASTER_COLUMNS} from users where lower(external_ids ->> $1::text) = any($2::text[])`;
/** Keyset pages: the primary key index serves both the bound and the order. */
const SELECT_FIRST_PAGE = `select ${BOOKMASTER_COLUMNS} from users order by id limit $1`;
const SELECT_NEXT_PAGE = `select ${BOOKMASTER_COLUMNS} from users where id > $2 order by id limit $1`;
/**
 * One statement: the guard (`external_ids` still as read) and the edit, which removes the named
 * platforms' keys and merges in the new links inside Postgres, so foreign values are never
 * round-tripped through JavaScript. A value that is not an object is replaced by the new links.
 */
const COMPARE_AND_SET = `
update users
   set external_ids = case when jsonb_typeof(external_ids) = 'object'
                           then (external_ids - $3::text[]) || $4::jsonb
                           else $4::jsonb end,
       updated_at = now()
 where id = $1 and external_ids is not distinct from $2::jsonb`;

/**
 * The Bookmaster ERP's `users` table as a PlatformAdapter. Everything idsync knows about
 * the ERP's schema is in this folder.
 */
export function createBookmasterAdapter(pool: Pool): PlatformAdapter {
  const select = async (text: string, values: unknown[]): Promise<PersonRecord[]> => {
    const { rows } = await pool.query<BookmasterRow>(text, values);
    return rows.flatMap((row) => toBookmasterRecord(row) ?? []);
  };
  return {
    platform: 'bookmaster',
    get: async (id) => (await select(SELECT_BY_ID, [requireRawId('bookmaster', id)]))[0] ?? null,
    findByEmail: async (email) => {
      const normalized = requireEmailQuery(email);
      // Postgres' lower() may fold differently from JavaScript's: the decision is JavaScript's.
      return (await select(SELECT_BY_EMAIL, [normalized, TRIMMED_CHARACTERS])).filter((record) => record.email === normalized);
    },
    findClaiming: async (platform, id) => {
      const claimed = parsePlatform(platform);
      const canonical = requireRawId(claimed, id);
      if (claimed === 'bookmaster') return [];
      const forms = [canonical, ...TOLERATED_PREFIXES[claimed].map((prefix) => `${prefix}${canonical}`)];
      const records = await select(SELECT_CLAIMING, [claimed, forms]);
      return records.filter((record) => claims(record, claimed, canonical));
    },
    writeLinks: (record, change) => writeBookmasterLinks(pool, record, change),
    scan: (options) => scanUsers(pool, options),
  };
}

async function writeBookmasterLinks(pool: Pool, record: PersonRecord, change: LinkChange): Promise<WriteOutcome> {
  const id = requireOwnRecord('bookmaster', record);
  const targets = requireLinkChange('bookmaster', change);
  const snapshot = record.snapshot;
  if (!isBookmasterSnapshot(snapshot)) throw invalidSnapshot('bookmaster');
  const stored = parseExternalIds(snapshot.externalIds);
  if (isDeepStrictEqual(editIdMap('bookmaster', stored, targets), stored)) return 'written';
  const added = Object.fromEntries([...targets].filter(([, linked]) => linked !== null));
  const values = [id, snapshot.externalIds, [...targets.keys()], JSON.stringify(added)];
  const { rowCount } = await pool.query(COMPARE_AND_SET, values);
  return rowCount === 1 ? 'written' : 'stale';
}

/**
 * Pages of `batchSize` rows, each fetched with one extra row that only says whether another page
 * exists: a scan makes exactly ceil(N / batchSize) round trips (one when the table is empty) and
 * never asks for a final empty page.
 */
async function* scanUsers(pool: Pool, options: ScanOptions = {}): AsyncGenerator<PersonRecord[]> {
  const batchSize = requireBatchSize(options.batchSize);
  let after: string | null = null;
  for (;;) {
    const rows = await fetchPage(pool, batchSize + 1, after);
    const page = rows.slice(0, batchSize);
    const records = page.flatMap((row) => toBookmasterRecord(row) ?? []);
    if (records.length > 0) yield records;
    const last = page.at(-1);
    if (rows.length <= batchSize || last === undefined) return;
    // The bound is the last row's own id, not the last record's: a row skipped as foreign still counts.
    after = last.id;
  }
}

async function fetchPage(pool: Pool, limit: number, after: string | null): Promise<BookmasterRow[]> {
  const { rows } =
    after === null
      ? await pool.query<BookmasterRow>(SELECT_FIRST_PAGE, [limit])
      : await pool.query<BookmasterRow>(SELECT_NEXT_PAGE, [limit, after]);
  return rows;
}
