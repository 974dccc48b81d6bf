import type { Pool } from 'pg';
import { ConfigError } from '../errors.ts';
import type { Platform, RecordKey } from '../ids/index.ts';
import { writeWindow } from '../ledger/write-window.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import { upsertRows } from './link-index.ts';
import type { LinkKind } from './link-index.ts';
import { linkRows } from './link-rows.ts';

/*
 * The audit is the snapshot, the watchers and reconciles the stream: an audit's full scan makes the
 * link index say what the systems held, while reconciles keep refreshing it. A row that a reconcile
 * changed after the scan began is newer than the scan, so the rebuild neither overwrites nor
 * deletes it.
 */

export interface LinkIndexRebuild {
  /**
   * Starts indexing one scanned batch, once fewer than `writesInFlight` writes are in flight, and
   * resolves when it has started: the scan reads on while Postgres writes, and never runs further
   * ahead of the index than that. Rejects once any write has failed.
   */
  add(records: readonly PersonRecord[]): Promise<void>;
  /**
   * Waits for every write, then, given what the scan saw (`seen`), drops the rows of records of
   * `platforms` it did not see. Without `seen` nothing is dropped: a first build fills an empty index.
   */
  finish(seen?: (key: RecordKey) => boolean): Promise<{ readonly removed: number }>;
}

export interface LinkIndexRebuildOptions {
  /** Whose records are indexed. Default: 'user'. */
  kind?: LinkKind;
  /**
   * Index writes in flight at once while the scan reads on, each a pool connection. With one, a
   * 1,000,000-person audit spent 57% of its time waiting for the index; with one per scanned
   * system, every system's scan can go on while its last batch is written. Default: 3.
   */
  writesInFlight?: number;
}

const DEFAULT_WRITES_IN_FLIGHT = 3;
/** Keys read per page while looking for the rows the scan did not see. */
export const UNSEEN_PAGE_ROWS = 10_000;

const ADD_BATCH = upsertRows('$3', 'held.refreshed_at < $2');

/**
 * The next page of ids of a platform's rows older than the scan, after `$4`. One platform at a
 * time: with every column of the key equal but the last, the primary key seeks to the page's start
 * (a row comparison over the whole key walked from the first row to it: 90 ms a page at 300,000 rows).
 */
const OLDER_IDS = `
  select record_id from link_index
  where kind = $1 and platform = $2 and record_id > $4 and refreshed_at < $3
  order by record_id limit $5`;

const REMOVE = `
  with removed as (
    delete from link_index
    where kind = $1 and platform = $2 and refreshed_at < $3 and record_id = any($4::text[])
    returning 1
  )
  select count(*)::int as removed from removed`;

/** Starts rebuilding the rows of records of `platforms` from a scan that begins now. */
export async function startLinkIndexRebuild(pool: Pool, platforms: readonly Platform[], options: LinkIndexRebuildOptions = {}): Promise<LinkIndexRebuild> {
  const kind = options.kind ?? 'user';
  const writesInFlight = options.writesInFlight ?? DEFAULT_WRITES_IN_FLIGHT;
  if (!Number.isInteger(writesInFlight) || writesInFlight < 1) {
    throw new ConfigError([`link index rebuild: writesInFlight must be a whole number of at least 1, not ${writesInFlight}`]);
  }
  // The database's clock, the one refreshed_at is written with.
  const { rows } = await pool.query<{ started: Date }>('select clock_timestamp() as started');
  const started = (rows[0] as { started: Date }).started;
  const writes = writeWindow(writesInFlight);
  return {
    add: (records) => writes.start(() => pool.query(ADD_BATCH, [JSON.stringify(linkRows(records)), started, kind])),
    finish: async (seen) => {
      await writes.drain();
      const removed = seen === undefined ? 0 : await removeUnseen(pool, { kind, platforms, started }, seen);
      // Fresh statistics, now that the rows changed wholesale: without them the planner answers
      // "who has this email" by reading every row of the platforms asked (2.3 ms a look-up at 2,400
      // rows in the bench, against 0.06 ms through the email index), until autovacuum analyzes.
      await pool.query('analyze link_index');
      return { removed };
    },
  };
}

interface Scope {
  readonly kind: LinkKind;
  readonly platforms: readonly Platform[];
  /** Rows changed since are newer than the scan: never dropped. */
  readonly started: Date;
}

/**
 * Pages through the ids of rows older than the scan and drops those `seen` denies. The scan's
 * keys are in the caller's memory already; writing each to a table to join against, as the
 * rebuild once did, was a third of Postgres' work per scanned batch (bench/RESULTS.md).
 */
async function removeUnseen(pool: Pool, scope: Scope, seen: (key: RecordKey) => boolean): Promise<number> {
  let removed = 0;
  for (const platform of scope.platforms) removed += await removeUnseenOf(pool, scope, platform, seen);
  return removed;
}

async function removeUnseenOf(pool: Pool, { kind, started }: Scope, platform: Platform, seen: (key: RecordKey) => boolean): Promise<number> {
  let removed = 0;
  let after = '';
  for (let full = true; full; ) {
    const { rows } = await pool.query<{ record_id: string }>(OLDER_IDS, [kind, platform, started, after, UNSEEN_PAGE_ROWS]);
    const unseen = rows.map((row) => row.record_id).filter((id) => !seen({ platform, id }));
    if (unseen.length > 0) removed += (await pool.query<{ removed: number }>(REMOVE, [kind, platform, started, unseen])).rows[0]?.removed ?? 0;
    full = rows.length === UNSEEN_PAGE_ROWS;
    after = rows.at(-1)?.record_id ?? after;
  }
  return removed;
}
