import type { LinkKind } from './link-index.ts';
import { STAGED_ROWS } from './scan-stage.ts';
import type { ScanStage } from './scan-stage.ts';

/*
 * A rebuild that finds the index empty (a first start, a first audit) has nothing to merge with:
 * its staged rows go into a table of their own, which is indexed once loaded and takes the empty
 * table's place. Filling the indexed table row by row, Postgres spent 43 s on 3,000,000 rows like
 * the bench's, most of it keeping the claims' GIN index up; loaded unindexed and indexed after, 29 s
 * (bench/RESULTS.md). All in one transaction: a failure or a crash leaves the index as it was.
 */

/** The primary key and the indexes the migrations give link_index, under the load table's names until the swap. */
const LOADED_INDEXES = [
  'alter table link_index_load add constraint link_index_load_pkey primary key (kind, platform, record_id)',
  'create index link_index_load_claims on link_index_load using gin (claims) with (fastupdate = off)',
  'create index link_index_load_email on link_index_load (email_hash) where email_hash is not null',
];

const COLUMNS = 'kind, platform, record_id, email_hash, claims, refreshed_at, settled';

/**
 * The table's place taken. Rows that reconciles wrote meanwhile are newer than the scan: carried
 * over, winning over the scan's. The lock first, so that no writer gets between the copy and the drop.
 */
const SWAP = [
  'lock table link_index in access exclusive mode',
  `insert into link_index_load (${COLUMNS}) select ${COLUMNS} from link_index
   on conflict (kind, platform, record_id) do update
     set email_hash = excluded.email_hash, claims = excluded.claims, refreshed_at = excluded.refreshed_at, settled = excluded.settled`,
  'drop table link_index',
  'alter table link_index_load rename to link_index',
  'alter table link_index rename constraint link_index_load_pkey to link_index_pkey',
  'alter index link_index_load_claims rename to link_index_claims',
  'alter index link_index_load_email rename to link_index_email',
];

/**
 * Building the claims' GIN index over 3,000,000 rows took 15 s with Postgres' default of 64 MB to
 * gather its entries in, and 10 s with 512 MB (256 MB: no faster): set for this transaction alone.
 * One load at a time: a second, taking its load table's shape from link_index, would hold a lock
 * on the table the first one is about to drop while waiting for the first's load table name, and
 * the two would deadlock. Under the lock it waits for the first to swap in, and carries its rows over.
 */
const BEGIN = `begin;
  set local maintenance_work_mem = '512MB';
  select pg_advisory_xact_lock(hashtextextended('idsync:link_index_load', 0));
  create table link_index_load (like link_index including all excluding indexes)`;

/**
 * The staged rows as they came. Sorting 3,000,000 of them to keep each key once cost 6-9 s more,
 * and a scan seldom reads a record twice: when it did, the primary key refuses the load, and it is
 * made again from the rows each key once (of two, either).
 */
const loadFrom = (rows: string) => `
  insert into link_index_load (kind, platform, record_id, email_hash, claims)
  select $1, row.platform, row.record_id, row.email_hash, row.claims from ${rows} as row`;
const LOAD = loadFrom('link_index_scan');
const LOAD_EACH_KEY_ONCE = loadFrom(`(${STAGED_ROWS})`);

const UNIQUE_VIOLATION = '23505';

/** Loads `stage`'s rows (link_index_scan, on its connection) as `kind`'s, indexes them and swaps them in for the index: how many. */
export async function swapInFreshTable(stage: ScanStage, kind: LinkKind): Promise<number> {
  try {
    return await loadAndSwap(stage, kind, LOAD);
  } catch (error) {
    if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
    return await loadAndSwap(stage, kind, LOAD_EACH_KEY_ONCE);
  }
}

/** One transaction: a failure or a crash leaves the index as it was, and the staged rows too. */
async function loadAndSwap(stage: ScanStage, kind: LinkKind, load: string): Promise<number> {
  await stage.query(BEGIN);
  try {
    const written = (await stage.query(load, [kind])).rowCount ?? 0;
    await stage.query([...LOADED_INDEXES, ...SWAP, 'commit'].join(';\n'));
    return written;
  } catch (error) {
    await stage.query('rollback').catch(() => undefined);
    throw error;
  }
}
