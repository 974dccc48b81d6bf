import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Platform } from '../ids/index.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import { copyField, copyLine, hexByteaField, textArrayLiteral } from './copy-text.ts';
import type { LinkKind } from './link-index.ts';
import { linkRow } from './link-rows.ts';

/*
 * The audit is the snapshot, the watchers and reconciles the stream: an audit's full scan makes the
 * link index say what the systems held, while reconciles keep refreshing it. The scan's rows go
 * into a temporary table as one COPY stream, and the index is then brought to them by three
 * set-based statements: a statement per batch cost Postgres twice the CPU (bench/RESULTS.md). A row
 * that a reconcile changed after the scan began is newer than the scan, so the rebuild neither
 * overwrites nor deletes it.
 */

export interface LinkIndexRebuild {
  /**
   * Streams one scanned batch's rows to Postgres, and resolves once the stream takes more (its
   * backpressure): the scan never runs far ahead of the database. Rejects once the stream failed.
   */
  add(records: readonly PersonRecord[]): Promise<void>;
  /**
   * Ends the stream, then makes the index say what the scan saw: rows of new records inserted,
   * changed ones updated, and those of records of `platforms` the scan did not see dropped. Then
   * gives its connection back.
   */
  finish(): Promise<LinkIndexRebuilt>;
  /** Gives the connection up, the stream and its rows with it, if finish has not: for a scan that failed. Safe to call twice. */
  close(): void;
}

/** Rows the rebuild changed. */
export interface LinkIndexRebuilt {
  readonly inserted: number;
  readonly updated: number;
  readonly removed: number;
}

export interface LinkIndexRebuildOptions {
  /** Whose records are indexed. Default: 'user'. */
  kind?: LinkKind;
}

/** The scan's rows, for this session alone: a crash or a dropped connection takes them with it. */
const SCAN_TABLE = `create temp table link_index_scan (platform text not null, record_id text not null, email_hash bytea, claims text[] not null)`;
const COPY_SCAN = 'copy link_index_scan (platform, record_id, email_hash, claims) from stdin';
const HELD = 'held.kind = $1 and held.platform = scan.platform and held.record_id = scan.record_id';

// Each statement takes its row locks in key order, as every reconcile's refresh does: none can
// deadlock with another. `$1` is the kind, `$2` the scan's start, `$3` the scanned platforms.
const INSERT_NEW = `
  insert into link_index (kind, platform, record_id, email_hash, claims)
  select $1, scan.platform, scan.record_id, scan.email_hash, scan.claims from link_index_scan as scan
  where not exists (select from link_index as held where ${HELD})
  order by scan.platform, scan.record_id
  on conflict do nothing`;
const UPDATE_CHANGED = `
  with changed as (
    select held.platform, held.record_id, scan.email_hash, scan.claims from link_index_scan as scan join link_index as held on ${HELD}
    where held.refreshed_at < $2 and (held.email_hash, held.claims) is distinct from (scan.email_hash, scan.claims)
    order by held.platform, held.record_id for update of held
  )
  update link_index as held set email_hash = changed.email_hash, claims = changed.claims, refreshed_at = clock_timestamp()
  from changed where held.kind = $1 and held.platform = changed.platform and held.record_id = changed.record_id and held.refreshed_at < $2`;
const DELETE_UNSEEN = `
  with gone as (
    select held.platform, held.record_id from link_index as held
    where held.kind = $1 and held.platform = any($3::text[]) and held.refreshed_at < $2
      and not exists (select from link_index_scan as scan where scan.platform = held.platform and scan.record_id = held.record_id)
    order by held.platform, held.record_id for update of held
  )
  delete from link_index as held using gone
  where held.kind = $1 and held.platform = gone.platform and held.record_id = gone.record_id and held.refreshed_at < $2`;

/** Starts rebuilding the rows of records of `platforms` from a scan that begins now; it holds one connection of `pool` until finish or close. */
export async function startLinkIndexRebuild(pool: Pool, platforms: readonly Platform[], options: LinkIndexRebuildOptions = {}): Promise<LinkIndexRebuild> {
  const client = await pool.connect();
  let released = false;
  const release = (destroy: boolean) => {
    if (released) return;
    released = true;
    client.release(destroy);
  };
  try {
    await client.query(SCAN_TABLE);
    // The database's clock, the one refreshed_at is written with.
    const { rows } = await client.query<{ started: Date }>('select clock_timestamp() as started');
    return streamScan(client, { kind: options.kind ?? 'user', platforms, started: (rows[0] as { started: Date }).started }, release);
  } catch (error) {
    release(true);
    throw error;
  }
}

/** The rebuild over `client`'s COPY stream; `release` gives the client back, destroyed unless the rebuild finished. */
function streamScan(client: PoolClient, scope: Scope, release: (destroy: boolean) => void): LinkIndexRebuild {
  const stream = client.query(copyFrom(COPY_SCAN));
  let failure: unknown;
  stream.on('error', (error) => (failure ??= error));
  return {
    add: async (records) => {
      if (failure !== undefined) throw failure;
      if (!stream.write(scanLines(records))) await once(stream, 'drain');
    },
    finish: async () => {
      try {
        if (failure !== undefined) throw failure;
        stream.end();
        await finished(stream);
        const rebuilt = await merge(client, scope);
        await client.query('drop table link_index_scan');
        release(false);
        return rebuilt;
      } finally {
        release(true);
      }
    },
    close: () => release(true),
  };
}

interface Scope {
  readonly kind: LinkKind;
  readonly platforms: readonly Platform[];
  /** Rows changed since are newer than the scan: never overwritten or dropped. */
  readonly started: Date;
}

async function merge(client: PoolClient, { kind, platforms, started }: Scope): Promise<LinkIndexRebuilt> {
  // Without statistics the planner knows nothing of the scan's rows and may join them row by row.
  await client.query('analyze link_index_scan');
  const inserted = (await client.query(INSERT_NEW, [kind])).rowCount ?? 0;
  const updated = (await client.query(UPDATE_CHANGED, [kind, started])).rowCount ?? 0;
  const removed = (await client.query(DELETE_UNSEEN, [kind, started, platforms])).rowCount ?? 0;
  // Fresh statistics, now that the rows changed wholesale: without them the planner answers
  // "who has this email" by reading every row of the platforms asked (2.3 ms a look-up at 2,400
  // rows in the bench, against 0.06 ms through the email index), until autovacuum analyzes.
  await client.query('analyze link_index');
  return { inserted, updated, removed };
}

/** The records' rows as COPY text. */
function scanLines(records: readonly PersonRecord[]): string {
  let lines = '';
  for (const record of records) {
    const row = linkRow(record);
    const emailHash = row.email_hash === null ? null : hexByteaField(row.email_hash);
    lines += copyLine([copyField(row.platform), copyField(row.record_id), emailHash, copyField(textArrayLiteral(row.claims))]);
  }
  return lines;
}
