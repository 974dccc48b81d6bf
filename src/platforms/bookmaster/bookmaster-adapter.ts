import { isDeepStrictEqual } from 'node:util';
import type { Pool } from 'pg';
import { requireLinkWrite } from '../adapter-support.ts';
import { editIdMap } from '../id-map-edit.ts';
import type { LinkChange, PersonRecord } from '../person-record.ts';
import type { PlatformAdapter, WriteOutcome } from '../platform-adapter.ts';
import { parseJsonb, userTableReads } from '../sql-user-table.ts';
import { BOOKMASTER_USERS, isBookmasterSnapshot, toBookmasterRecord } from './bookmaster-record.ts';

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
  return {
    ...userTableReads(pool, BOOKMASTER_USERS, toBookmasterRecord),
    writeLinks: (record, change) => writeBookmasterLinks(pool, record, change),
  };
}

async function writeBookmasterLinks(pool: Pool, record: PersonRecord, change: LinkChange): Promise<WriteOutcome> {
  const { id, targets, snapshot } = requireLinkWrite('bookmaster', record, change, isBookmasterSnapshot);
  const stored = parseJsonb(snapshot.externalIds);
  if (isDeepStrictEqual(editIdMap('bookmaster', stored, targets), stored)) return 'written';
  const added = Object.fromEntries([...targets].filter(([, linked]) => linked !== null));
  const values = [id, snapshot.externalIds, [...targets.keys()], JSON.stringify(added)];
  const { rowCount } = await pool.query(COMPARE_AND_SET, values);
  return rowCount === 1 ? 'written' : 'stale';
}
