import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import pg from 'pg';
import type { Pool, QueryResult } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { CopyStreamQuery } from 'pg-copy-streams';
import type { PersonRecord } from '../platforms/person-record.ts';
import { copyField, copyLine, hexByteaField, textArrayLiteral } from './copy-text.ts';
import { upsertRows } from './link-index.ts';
import type { LinkKind } from './link-index.ts';
import { linkRow } from './link-rows.ts';

/*
 * One connection's share of a rebuild: scanned rows stream into a temporary table of its own (one
 * COPY), then one upsert brings the index to them and the table is emptied for the next rows. The
 * upsert meets each row through the primary key; an insert of the new rows and an update of the
 * changed ones, joined against the whole index, were planned as hash joins that read every row
 * held at each chunk (bench/RESULTS.md).
 */

/** The scan's rows, for this session alone: a crash or a dropped connection takes them with it. */
const SCAN_TABLE = `create temp table link_index_scan (platform text not null, record_id text not null, email_hash bytea, claims text[] not null)`;
const COPY_SCAN = 'copy link_index_scan (platform, record_id, email_hash, claims) from stdin';
/**
 * The staged rows in key order, each key once: an upsert may not meet one row twice, and taking row
 * locks in key order, as every reconcile's refresh does, no writer can deadlock another. The order
 * is code-point order (collation "C"), the refresh's (compareText), whatever the database's own
 * collation. Of two rows of one key (a record read twice), either is kept.
 */
export const STAGED_ROWS = `
  select distinct on (platform collate "C", record_id collate "C") platform, record_id, email_hash, claims, null::text as settled
  from link_index_scan order by platform collate "C", record_id collate "C"`;
/** `$2`: the scan's start. A row a reconcile changed since is newer than the scan: left as it is. */
const MERGE = upsertRows(STAGED_ROWS, '$1::text', 'held.refreshed_at < $2');

/** What one merge changed. */
export interface StageMerged {
  /** Rows inserted or changed. */
  readonly written: number;
}

export class ScanStage {
  readonly #client: pg.Client;
  #rows = 0;
  #stream: CopyStreamQuery | undefined;
  #failure: unknown;
  #released = false;

  private constructor(client: pg.Client) {
    this.#client = client;
    // A connection that fails while nothing is sent would crash the process unheard: the next
    // write or merge reports it instead.
    client.on('error', (error) => (this.#failure ??= error));
  }

  /**
   * A connection of its own to `pool`'s database, with its table made, held until close or
   * release. Not one of the pool's: held for a whole scan, it would take one from the reconciles,
   * and several rebuilds each holding one while waiting for a second can exhaust a pool for good.
   */
  static async open(pool: Pool): Promise<ScanStage> {
    const stage = new ScanStage(new pg.Client(pool.options));
    try {
      await stage.#client.connect();
      await stage.#client.query(SCAN_TABLE);
      return stage;
    } catch (error) {
      stage.release();
      throw error;
    }
  }

  /** Rows streamed since the last merge. */
  get rows(): number {
    return this.#rows;
  }

  /** A statement on this connection, for the rebuild's other steps. */
  query<Row extends object>(text: string, values?: unknown[]): Promise<QueryResult<Row>> {
    return this.#client.query<Row>(text, values);
  }

  /** Streams the records' rows, resolving once the stream takes more: its backpressure. Rejects once it failed. */
  async write(records: readonly PersonRecord[]): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    this.#rows += records.length;
    const stream = this.#open();
    if (!stream.write(scanLines(records))) await once(stream, 'drain');
  }

  /** Ends the stream and makes the index say what its rows say, then empties the table. */
  async merge(kind: LinkKind, started: Date): Promise<StageMerged> {
    if (!(await this.endStream())) return { written: 0 };
    const written = (await this.#client.query(MERGE, [kind, started])).rowCount ?? 0;
    await this.#client.query('truncate link_index_scan');
    this.#rows = 0;
    return { written };
  }

  /** Ends the stream, once Postgres has every row streamed: false if none was. Rejects once it failed. */
  async endStream(): Promise<boolean> {
    if (this.#failure !== undefined) throw this.#failure;
    const stream = this.#stream;
    if (stream === undefined) return false;
    this.#stream = undefined;
    stream.end();
    await finished(stream);
    return true;
  }

  /** Ends the connection, its table with it. */
  async close(): Promise<void> {
    this.#released = true;
    await this.#client.end();
  }

  /** Ends the connection, its table and any stream with it, unless close did, without waiting for the server to answer. Safe to call twice. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#client.end().catch(() => undefined);
  }

  #open(): CopyStreamQuery {
    if (this.#stream === undefined) {
      const stream = this.#client.query(copyFrom(COPY_SCAN));
      stream.on('error', (error) => (this.#failure ??= error));
      this.#stream = stream;
    }
    return this.#stream;
  }
}

/** The records' rows as COPY text, in COPY_SCAN's columns. */
function scanLines(records: readonly PersonRecord[]): string {
  let lines = '';
  for (const record of records) {
    const row = linkRow(record);
    const emailHash = row.email_hash === null ? null : hexByteaField(row.email_hash);
    lines += copyLine([copyField(row.platform), copyField(row.record_id), emailHash, copyField(textArrayLiteral(row.claims))]);
  }
  return lines;
}
