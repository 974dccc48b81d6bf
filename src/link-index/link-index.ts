import type { Pool } from 'pg';
import { named, opaque } from '../ledger/named-statement.ts';
import { isPlatform } from '../ids/index.ts';
import type { Platform, RecordKey } from '../ids/index.ts';
import { uniqueKeys } from '../ids/record-key-map.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import { claimText, compareText, emailHash, linkRows, rowKey, sameRow } from './link-rows.ts';
import type { HeldRows, LinkRow } from './link-rows.ts';

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
  /** What the index holds for each of `keys`: by `claimText`, its row, or null when it holds none. */
  rowsOf(keys: readonly RecordKey[]): Promise<HeldRows>;
}

/** The claimers of some keys, and what the index held for each of those keys itself. */
export interface ClaimersAndRows {
  /** By `claimText` of every key asked: the keys of the records claiming it (none: an empty list). */
  readonly claimers: ReadonlyMap<string, readonly RecordKey[]>;
  /** By `claimText` of every key asked: its row, or null when the index holds none. */
  readonly held: HeldRows;
}

export interface RefreshOptions {
  /** What the index held, from claimersAndRows. Default: nothing known, so every row is sent. */
  readonly held?: HeldRows;
  /**
   * The claimTexts of the records of `read` a reconcile settles (as its plan will leave them,
   * before its writes): their rows carry their fingerprints as settled. Default: none.
   */
  readonly settle?: ReadonlySet<string>;
}

export interface LinkIndex extends LinkLookups {
  /** claimersOf, plus the rows of `keys` themselves, in the same round trip. */
  claimersAndRows(keys: readonly RecordKey[]): Promise<ClaimersAndRows>;
  /**
   * Makes the index say what `read` hold and forget `missing`, in one statement. Rows that already
   * say the same are not written, and none is sent that `options.held` (what claimersAndRows
   * answered) shows the index holding already. Resolves with the claimTexts of the records whose
   * settled fingerprint it wrote: of two reconciles settling the same records, the one that came
   * second gets none.
   */
  refresh(read: readonly PersonRecord[], missing: readonly RecordKey[], options?: RefreshOptions): Promise<ReadonlySet<string>>;
  /** True when the index holds no row: a deployment's first start, before any audit. */
  isEmpty(): Promise<boolean>;
}

/** Which records an index holds: people's, or the CRM's clients' (linked apart, never to each other). */
export type LinkKind = 'user' | 'client';

/** The rows of kind `kind` whose keys are in the arrays `platforms` and `ids`, through the primary key. */
const ownRows = (kind: string, platforms: string, ids: string) => `
  select true as own, held.platform, held.record_id, encode(held.email_hash, 'hex') as email_hash, held.claims, held.settled
  from unnest(${opaque(platforms, 'text[]')}, ${opaque(ids, 'text[]')}) as key(platform, record_id)
  join link_index as held on held.kind = ${kind} and held.platform = key.platform and held.record_id = key.record_id`;
/** The claimers of `$1` (claim texts), then the rows of the keys `$3`/`$4` themselves (`own`), each through an index. */
const CLAIMERS_AND_ROWS = named('link-index-claimers-and-rows', `
  select false as own, platform, record_id, null as email_hash, claims, null as settled from link_index where kind = $2 and claims && ${opaque('$1', 'text[]')}
  union all ${ownRows('$2', '$3', '$4')}`);
const ROWS = named('link-index-rows', ownRows('$1', '$2', '$3'));
const HOLDERS = named('link-index-holders', `select platform, record_id from link_index
  where kind = $3 and email_hash = any(array(select decode(hash, 'hex') from unnest(${opaque('$1', 'text[]')}) as hash))
    and platform = any(${opaque('$2', 'text[]')})`);

/** The rows of `$1` (JSON, from linkRows), as upsertRows takes them. */
const JSON_ROWS = `
  select row.platform, row.record_id, decode(row.email_hash, 'hex') as email_hash, row.claims, row.settled
  from jsonb_to_recordset($1::jsonb) as row(platform text, record_id text, email_hash text, claims text[], settled text)`;

/**
 * The rows that the query `rows` answers (platform, record_id, email_hash, claims, settled; one
 * per key, in key order) written where they differ, as the kind that `kindParameter` holds: their
 * `refreshed_at` tells an audit's rebuild they are newer than its scan. A row without a settled
 * fingerprint keeps the one held. `guard` is a further condition on the held row.
 */
export function upsertRows(rows: string, kindParameter: string, guard = 'true'): string {
  return `
  insert into link_index as held (kind, platform, record_id, email_hash, claims, settled)
  select ${kindParameter}, row.platform, row.record_id, row.email_hash, row.claims, row.settled from (${rows}) as row
  on conflict (kind, platform, record_id) do update
    set email_hash = excluded.email_hash, claims = excluded.claims, settled = coalesce(excluded.settled, held.settled), refreshed_at = clock_timestamp()
    where (held.email_hash, held.claims, held.settled) is distinct from (excluded.email_hash, excluded.claims, coalesce(excluded.settled, held.settled))
      and ${guard}`;
}

/** The rows written, with the fingerprint each now holds; the delete runs whether or not its CTE is read. */
const REFRESH = named('link-index-refresh', `
  with upserted as (${upsertRows(JSON_ROWS, '$4')} returning held.platform, held.record_id, held.settled),
  removed as (
    delete from link_index where kind = $4 and (platform, record_id) in (select * from unnest(${opaque('$2', 'text[]')}, ${opaque('$3', 'text[]')}))
  )
  select platform, record_id, settled from upserted`);

/** The index of `kind`'s records (default: people's). */
export function createLinkIndex(pool: Pool, kind: LinkKind = 'user'): LinkIndex {
  const claimersAndRows = async (keys: readonly RecordKey[]): Promise<ClaimersAndRows> => {
    if (keys.length === 0) return { claimers: new Map(), held: new Map() };
    const parameters = [keys.map(claimText), kind, keys.map((key) => key.platform), keys.map((key) => key.id)];
    const { rows } = await pool.query<ClaimerOrOwnRow>({ ...CLAIMERS_AND_ROWS, values: parameters });
    return { claimers: claimersByKey(keys, rows.filter((row) => !row.own)), held: heldRows(keys, rows) };
  };
  return {
    claimersAndRows,
    claimersOf: async (keys) => uniqueKeys([...(await claimersAndRows(keys)).claimers.values()].flat()),
    holdersOf: async (platforms, emails) => {
      if (platforms.length === 0 || emails.length === 0) return [];
      return recordKeys((await pool.query<KeyRow>({ ...HOLDERS, values: [emails.map(emailHash), platforms, kind] })).rows);
    },
    rowsOf: async (keys) => {
      if (keys.length === 0) return NOTHING_HELD;
      const parameters = [kind, keys.map((key) => key.platform), keys.map((key) => key.id)];
      return heldRows(keys, (await pool.query<ClaimerOrOwnRow>({ ...ROWS, values: parameters })).rows);
    },
    refresh: async (read, missing, { held = NOTHING_HELD, settle }: RefreshOptions = {}) => {
      const rows = linkRows(read, settle).filter((row) => !sameRow(held.get(rowKey(row)), row));
      const gone = missing.filter((key) => held.get(claimText(key)) !== null).sort((left, right) => compareText(claimText(left), claimText(right)));
      if (rows.length === 0 && gone.length === 0) return NOTHING_SETTLED;
      const written = await pool.query<KeyRow & { settled: string | null }>({
        ...REFRESH,
        values: [JSON.stringify(rows), gone.map((key) => key.platform), gone.map((key) => key.id), kind],
      });
      const sent = new Map(rows.map((row) => [rowKey(row), row.settled]));
      return new Set(written.rows.filter((row) => row.settled !== null && sent.get(rowKey(row)) === row.settled).map(rowKey));
    },
    isEmpty: async () => (await pool.query('select 1 from link_index where kind = $1 limit 1', [kind])).rowCount === 0,
  };
}

const NOTHING_HELD: HeldRows = new Map();
const NOTHING_SETTLED: ReadonlySet<string> = new Set();

interface KeyRow {
  platform: string;
  record_id: string;
}

/** A row of CLAIMERS_AND_ROWS: a claimer's key, or (`own`) an asked key's whole row. */
interface ClaimerOrOwnRow extends KeyRow {
  own: boolean;
  email_hash: string | null;
  claims: string[] | null;
  settled: string | null;
}

/** By claimText of every key asked, its own row among `rows`, or null. */
function heldRows(keys: readonly RecordKey[], rows: readonly ClaimerOrOwnRow[]): HeldRows {
  const held = new Map<string, LinkRow | null>(keys.map((key) => [claimText(key), null]));
  for (const { own, platform, record_id, email_hash, claims, settled } of rows) {
    if (own) held.set(rowKey({ platform, record_id }), { platform, record_id, email_hash, claims: claims ?? [], settled });
  }
  return held;
}

/** Each claimer under every asked key its claims name. */
function claimersByKey(keys: readonly RecordKey[], rows: readonly ClaimerOrOwnRow[]): Map<string, RecordKey[]> {
  const byKey = new Map<string, RecordKey[]>(keys.map((key) => [claimText(key), []]));
  for (const row of rows) {
    const [key] = recordKeys([row]);
    if (key === undefined) continue;
    for (const claim of row.claims ?? []) byKey.get(claim)?.push(key);
  }
  return byKey;
}

/** Rows of a platform idsync no longer knows are left out. */
function recordKeys(rows: readonly KeyRow[]): RecordKey[] {
  return rows.flatMap((row) => (isPlatform(row.platform) ? [{ platform: row.platform, id: row.record_id }] : []));
}
