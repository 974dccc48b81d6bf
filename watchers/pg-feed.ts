import type { Pgoutput } from 'pg-logical-replication';
import { parseRawId } from '../src/ids/index.ts';
import type { Platform } from '../src/ids/index.ts';
import type { Logger } from '../src/logging/logger.ts';
import type { WatchedTable } from '../src/platforms/watch-spec.ts';
import type { ChangeSink, RecordChange } from './change-sink.ts';
import { changeTrigger } from './change-sink.ts';
import { formatLsn, parseLsn } from './pg-lsn.ts';

export interface ReplicationFeedOptions {
  /** The source's name (for triggers and logs) and the platform its rows belong to. */
  readonly source: string;
  readonly platform: Platform;
  readonly table: WatchedTable;
  readonly sink: ChangeSink;
  readonly logger: Logger;
  /** The slot's confirmed position when the connection opened. */
  readonly confirmed: bigint;
  /** Tells the server that everything before `lsn` is processed (`ping`: and ask it to answer). */
  acknowledge(lsn: bigint, ping: boolean): void;
  /** Called once, with the first failure; the feed acknowledges nothing after it. */
  onFailure(error: unknown): void;
  /** Called once per row change received (for the change-event counter). Default: none. */
  onChangeEvent?: (source: string) => void;
}

/** One committed transaction's changes, waiting to be enqueued. */
interface Committed {
  readonly changes: RecordChange[];
  readonly deletes: RecordChange[];
  readonly endLsn: bigint;
}

interface OpenTransaction {
  readonly upserts: Set<string>;
  readonly deletes: Set<string>;
}

type RowMessage = Pgoutput.MessageInsert | Pgoutput.MessageUpdate | Pgoutput.MessageDelete;

/**
 * pgoutput messages in, reconcile jobs out. Row changes are collected per transaction (ids only,
 * deduplicated); at its commit the transaction is enqueued and only then acknowledged, with the
 * commit's end LSN: acknowledging a row's own LSN would not move the slot past its transaction.
 * Transactions are handled one at a time, in commit order, so acknowledgements only move forward.
 * A keepalive's position is acknowledged only when nothing is open or waiting: then every change
 * before it has been enqueued, and a quiet (or unrelated) stream of WAL does not pile up.
 */
export class ReplicationFeed {
  readonly #options: ReplicationFeedOptions;
  #open: OpenTransaction | null = null;
  readonly #committed: Committed[] = [];
  #draining = false;
  #failed = false;
  #acknowledged: bigint;

  constructor(options: ReplicationFeedOptions) {
    this.#options = options;
    this.#acknowledged = options.confirmed;
  }

  /** Nothing open, nothing waiting: the position the server reports is safe to acknowledge. */
  get idle(): boolean {
    return this.#open === null && this.#committed.length === 0 && !this.#draining;
  }

  onData(message: Pgoutput.Message): void {
    if (this.#failed) return;
    if (message.tag === 'begin') this.#open = { upserts: new Set(), deletes: new Set() };
    else if (message.tag === 'commit') this.#commit(message);
    else if (message.tag === 'insert' || message.tag === 'update' || message.tag === 'delete') this.#row(message);
    else if (message.tag === 'truncate') {
      // The deleted rows are not named; records that claimed them keep their references until an audit.
      this.#options.logger.warn({ source: this.#options.source }, 'watched table truncated; run an audit to find references to its rows');
    }
  }

  onHeartbeat(lsn: string, shouldRespond: boolean): void {
    if (this.#failed) return;
    const position = parseLsn(lsn);
    if (this.idle && position > this.#acknowledged) this.#acknowledge(position);
    else if (shouldRespond) this.#options.acknowledge(this.#acknowledged, false);
  }

  /** Asks the server for a keepalive, which `onHeartbeat` then acknowledges if still idle. */
  ping(): void {
    if (!this.#failed && this.idle) this.#options.acknowledge(this.#acknowledged, true);
  }

  #row(message: RowMessage): void {
    const { table, platform, logger, source } = this.#options;
    if (this.#open === null || message.relation.schema !== table.schema || message.relation.name !== table.name) return;
    this.#options.onChangeEvent?.(source);
    const newId = message.tag === 'delete' ? undefined : rowId(message.new);
    const oldId = message.tag === 'insert' ? undefined : rowId(message.key ?? message.old);
    for (const [value, set] of [
      [newId, this.#open.upserts],
      // An update that changes the primary key deletes the old id as far as claims go.
      [oldId !== newId ? oldId : undefined, this.#open.deletes],
    ] as const) {
      if (value === undefined) continue;
      const parsed = parseRawId(platform, value);
      if (parsed.ok) set.add(parsed.id);
      else logger.warn({ source, reason: parsed.reason }, 'change event names a malformed id; skipped');
    }
  }

  #commit(message: Pgoutput.MessageCommit): void {
    const open = this.#open;
    this.#open = null;
    if (open === null || !message.commitEndLsn) return;
    const endLsn = parseLsn(message.commitEndLsn);
    const trigger = changeTrigger(this.#options.source, formatLsn(endLsn));
    const keys = (ids: Set<string>) => [...ids].map((id) => ({ key: { platform: this.#options.platform, id }, trigger }));
    this.#committed.push({ changes: keys(open.upserts), deletes: keys(open.deletes), endLsn });
    void this.#drain();
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let next = this.#committed[0]; next && !this.#failed; next = this.#committed[0]) {
        await this.#options.sink.reconcile(next.changes);
        for (const deleted of next.deletes) await this.#options.sink.reconcileClaimers(deleted.key, deleted.trigger);
        this.#committed.shift();
        this.#acknowledge(next.endLsn);
      }
    } catch (error) {
      this.#failed = true;
      this.#options.onFailure(error);
    } finally {
      this.#draining = false;
    }
  }

  #acknowledge(lsn: bigint): void {
    if (lsn <= this.#acknowledged) return;
    this.#acknowledged = lsn;
    this.#options.acknowledge(lsn, false);
  }
}

/** The `id` column of a decoded row (text in pgoutput's text format); undefined when absent. */
function rowId(row: Record<string, unknown> | null | undefined): unknown {
  if (row === null || row === undefined || !Object.hasOwn(row, 'id')) return undefined;
  return row.id;
}
