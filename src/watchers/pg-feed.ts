import type { Pgoutput } from 'pg-logical-replication';
import { parseRawId } from '../ids/index.ts';
import type { Platform } from '../ids/index.ts';
import type { Logger } from '../logging/logger.ts';
import type { WatchedTable } from '../platforms/watch-spec.ts';
import type { ChangeSink } from './change-sink.ts';
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

interface OpenTransaction {
  readonly upserts: Set<string>;
  readonly deletes: Set<string>;
}

type RowMessage = Pgoutput.MessageInsert | Pgoutput.MessageUpdate | Pgoutput.MessageDelete;

/**
 * pgoutput messages in, reconcile jobs out. Row changes are collected per transaction (ids only,
 * deduplicated); at its commit the transaction is enqueued and only then acknowledged, with the
 * commit's end LSN: acknowledging a row's own LSN would not move the slot past its transaction.
 *
 * The caller awaits each `onData` before it hands over the next message, as pg-logical-replication
 * does with flow control on (it pauses its socket meanwhile). So this holds one transaction at most,
 * and while Redis is slow the server keeps the WAL, not this process; acknowledgements only move
 * forward.
 *
 * A keepalive is read as soon as it arrives, ahead of the data messages of the same read that the
 * library still holds in its queue, so its position is not acknowledged then: `tick` does it later,
 * from a timer, if the feed is idle. The library hands over its queued messages one after the other
 * without yielding to a timer, unless a commit's enqueue is in flight (then the feed is not idle), so
 * an idle feed at a timer has been handed every message that came before that keepalive.
 */
export class ReplicationFeed {
  readonly #options: ReplicationFeedOptions;
  #open: OpenTransaction | null = null;
  #enqueuing = false;
  #failed = false;
  #acknowledged: bigint;
  /** The newest position a keepalive reported. */
  #reported: bigint;

  constructor(options: ReplicationFeedOptions) {
    this.#options = options;
    this.#acknowledged = options.confirmed;
    this.#reported = options.confirmed;
  }

  /** Nothing open, nothing being enqueued. */
  get idle(): boolean {
    return this.#open === null && !this.#enqueuing;
  }

  /** Handles one message; for a commit, resolves once its jobs are enqueued and it is acknowledged. */
  async onData(message: Pgoutput.Message): Promise<void> {
    if (this.#failed) return;
    if (message.tag === 'begin') this.#open = { upserts: new Set(), deletes: new Set() };
    else if (message.tag === 'commit') await this.#commit(message);
    else if (message.tag === 'insert' || message.tag === 'update' || message.tag === 'delete') this.#row(message);
    else if (message.tag === 'truncate') {
      // The deleted rows are not named; records that claimed them keep their references until an audit.
      this.#options.logger.warn({ source: this.#options.source }, 'watched table truncated; run an audit to find references to its rows');
    }
  }

  /** Notes the server's position; one that asks for an answer gets the acknowledged position. */
  onHeartbeat(lsn: string, shouldRespond: boolean): void {
    if (this.#failed) return;
    const position = parseLsn(lsn);
    if (position > this.#reported) this.#reported = position;
    if (shouldRespond) this.#options.acknowledge(this.#acknowledged, false);
  }

  /**
   * Called from a timer. Idle: acknowledges the last keepalive's position and asks for a new one,
   * so that a quiet (or unrelated) stream of WAL does not pile up. Busy: sends the acknowledged
   * position again, since the server ends a connection that stays silent for `wal_sender_timeout`
   * and the feed reads nothing (so answers no keepalive) while an enqueue waits for Redis.
   */
  tick(): void {
    if (this.#failed) return;
    if (!this.idle) {
      this.#options.acknowledge(this.#acknowledged, false);
      return;
    }
    if (this.#reported > this.#acknowledged) this.#acknowledged = this.#reported;
    this.#options.acknowledge(this.#acknowledged, true);
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

  async #commit(message: Pgoutput.MessageCommit): Promise<void> {
    const open = this.#open;
    this.#open = null;
    if (open === null || !message.commitEndLsn) return;
    const endLsn = parseLsn(message.commitEndLsn);
    const trigger = changeTrigger(this.#options.source, formatLsn(endLsn));
    const keys = (ids: Set<string>) => [...ids].map((id) => ({ key: { platform: this.#options.platform, id }, trigger }));
    this.#enqueuing = true;
    try {
      await this.#options.sink.reconcile(keys(open.upserts));
      for (const deleted of keys(open.deletes)) await this.#options.sink.reconcileClaimers(deleted.key, deleted.trigger);
      // Only now: the slot is the checkpoint, and the server never sends again what it was told is
      // processed. Acknowledged before the enqueue, a crash or a Redis failure in between would lose
      // the transaction; after it, a crash replays it (reconcile is idempotent, jobs deduplicated).
      this.#acknowledge(endLsn);
    } catch (error) {
      this.#failed = true;
      this.#options.onFailure(error);
    } finally {
      this.#enqueuing = false;
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
