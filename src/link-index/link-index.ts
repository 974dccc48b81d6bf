import type { Pool } from 'pg';
import { isPlatform } from '../ids/index.ts';
import type { Platform, RecordKey } from '../ids/index.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import { claimText, compareText, emailHash, linkRows } from './link-rows.ts';

/*
 * idsync's own index of who claims whom and who has which email, in the ledger database: the
 * systems are read by primary key only, whatever indexes their owners keep. The index answers with
 * keys, never with records: whoever asks reads the records back and decides on what they hold, so
 * a stale row costs one wasted read, never a wrong link.
 */

/** The look-ups gather needs besides reading records by key. */
export interface LinkLookups {
  /** Keys of the records whose claims name any of `keys` (of any platform, the claimed ones' own included). */
  claimersOf(keys: readonly RecordKey[]): Promise<RecordKey[]>;
  /** Keys of the records of `platforms` whose email is one of `emails` (normalized). */
  holdersOf(platforms: readonly Platform[], emails: readonly string[]): Promise<RecordKey[]>;
}

export interface LinkIndex extends LinkLookups {
  /**
   * Makes the index say what `read` hold and forget `missing`, in one statement. Rows that already
   * say the same are not written.
   */
  refresh(read: readonly PersonRecord[], missing: readonly RecordKey[]): Promise<void>;
  /** True when the index holds no row: a deployment's first start, before any audit. */
  isEmpty(): Promise<boolean>;
}

/** Which records an index holds: people's, or the CRM's clients' (linked apart, never to each other). */
export type LinkKind = 'user' | 'client';

const CLAIMERS = 'select platform, record_id from link_index where kind = $2 and claims && $1::text[]';
const HOLDERS = `select platform, record_id from link_index
  where kind = $3 and email_hash = any(array(select decode(hash, 'hex') from unnest($1::text[]) as hash)) and platform = any($2::text[])`;

/**
 * The rows of `$1` (JSON, from linkRows) written where they differ, as the kind that
 * `kindParameter` holds: their `refreshed_at` tells an audit's rebuild they are newer than its scan.
 * `guard` is a further condition on the held row.
 */
export function upsertRows(kindParameter: string, guard = 'true'): string {
  return `
  insert into link_index as held (kind, platform, record_id, email_hash, claims)
  select ${kindParameter}, row.platform, row.record_id, decode(row.email_hash, 'hex'), row.claims
  from jsonb_to_recordset($1::jsonb) as row(platform text, record_id text, email_hash text, claims text[])
  on conflict (kind, platform, record_id) do update
    set email_hash = excluded.email_hash, claims = excluded.claims, refreshed_at = clock_timestamp()
    where (held.email_hash, held.claims) is distinct from (excluded.email_hash, excluded.claims) and ${guard}`;
}

const REFRESH = `
  with upserted as (${upsertRows('$4')} returning 1),
  removed as (
    delete from link_index where kind = $4 and (platform, record_id) in (select * from unnest($2::text[], $3::text[]))
    returning 1
  )
  select (select count(*) from upserted) as upserted, (select count(*) from removed) as removed`;

/** The index of `kind`'s records (default: people's). */
export function createLinkIndex(pool: Pool, kind: LinkKind = 'user'): LinkIndex {
  return {
    claimersOf: async (keys) => {
      if (keys.length === 0) return [];
      return recordKeys((await pool.query<KeyRow>(CLAIMERS, [keys.map(claimText), kind])).rows);
    },
    holdersOf: async (platforms, emails) => {
      if (platforms.length === 0 || emails.length === 0) return [];
      return recordKeys((await pool.query<KeyRow>(HOLDERS, [emails.map(emailHash), platforms, kind])).rows);
    },
    refresh: async (read, missing) => {
      if (read.length === 0 && missing.length === 0) return;
      const gone = [...missing].sort((left, right) => compareText(claimText(left), claimText(right)));
      await pool.query(REFRESH, [JSON.stringify(linkRows(read)), gone.map((key) => key.platform), gone.map((key) => key.id), kind]);
    },
    isEmpty: async () => (await pool.query('select 1 from link_index where kind = $1 limit 1', [kind])).rowCount === 0,
  };
}

interface KeyRow {
  platform: string;
  record_id: string;
}

/** Rows of a platform idsync no longer knows are left out. */
function recordKeys(rows: readonly KeyRow[]): RecordKey[] {
  return rows.flatMap((row) => (isPlatform(row.platform) ? [{ platform: row.platform, id: row.record_id }] : []));
}
