import { setImmediate } from 'node:timers/promises';
import type { PersonEvaluation } from '../audit/audit-model.ts';
import { issueRows } from '../audit/issue-rows.ts';
import type { FindingRow, Ledger } from '../ledger/ledger.ts';
import type { Trigger } from '../ledger/provenance.ts';
import type { PersonSyncStatus, SyncCheck, SyncStatusStore } from '../ledger/sync-status.ts';
import { writeWindow } from '../ledger/write-window.ts';

export interface AuditLedgerWriterOptions {
  readonly runId: string;
  readonly trigger: Trigger;
  /** The run's check time: every status it writes carries it, and older statuses go at the end. */
  readonly checkedAt: Date;
  /** Rows per statement. */
  readonly batchSize: number;
}

/**
 * An audit's results on their way to the ledger while people stream past: each person's
 * sync_status row and findings are buffered and written a batch at a time. One statement is in
 * flight while the audit plans the next batch, so planning does not stop for the ledger, and the
 * run holds at most two batches.
 */
export class AuditLedgerWriter {
  readonly #statuses: SyncStatusStore;
  readonly #ledger: Ledger;
  readonly #options: AuditLedgerWriterOptions;
  /** Every status of the run carries the run's check time and id. */
  readonly #check: SyncCheck;
  /**
   * The CRM users of the pending statuses. A user reached by two people's gathers (gather's
   * asymmetric corner) keeps the first one's status: within a batch by this set, across batches by
   * the store, which keeps a row this run wrote already. A set of every user of a run held 1,000,000
   * strings at a million people.
   */
  #pendingUsers = new Set<string>();
  #pendingStatuses: PersonSyncStatus[] = [];
  #pendingFindings: FindingRow[] = [];
  /** One statement in flight while the audit plans the next batch. */
  readonly #writes = writeWindow(1);

  constructor(statuses: SyncStatusStore, ledger: Ledger, options: AuditLedgerWriterOptions) {
    this.#statuses = statuses;
    this.#ledger = ledger;
    this.#options = options;
    this.#check = { lastCheck: options.checkedAt, auditRunId: options.runId };
  }

  async add(person: PersonEvaluation): Promise<void> {
    const { runId, trigger, batchSize } = this.#options;
    if (person.userId !== null && !this.#pendingUsers.has(person.userId)) {
      this.#pendingUsers.add(person.userId);
      const issues = person.issues.map((issue) => ({ ...issue }));
      this.#pendingStatuses.push({ userId: person.userId, platformsInSync: person.platformsInSync, issues });
    }
    this.#pendingFindings.push(...issueRows(person, { trigger, runId }));
    if (this.#pendingStatuses.length >= batchSize) await this.#flushStatuses();
    if (this.#pendingFindings.length >= batchSize) await this.#flushFindings();
  }

  /** Writes what is buffered, then removes the statuses of users this run did not see. */
  async finish(): Promise<void> {
    await this.#flushStatuses();
    await this.#flushFindings();
    await this.#writes.drain();
    await this.#statuses.removeUnchecked(this.#options.checkedAt);
  }

  async #flushStatuses(): Promise<void> {
    const rows = this.#pendingStatuses;
    this.#pendingStatuses = [];
    this.#pendingUsers = new Set();
    if (rows.length > 0) await this.#send(() => this.#statuses.upsert(this.#check, rows, { chunkSize: this.#options.batchSize }));
  }

  async #flushFindings(): Promise<void> {
    const rows = this.#pendingFindings;
    this.#pendingFindings = [];
    if (rows.length > 0) await this.#send(() => this.#ledger.recordOutcome([], rows));
  }

  /**
   * Waits for the statement in flight (its failure is thrown here), sends this one, and yields to
   * the event loop once so that it really goes out: planning runs without awaiting I/O, and until
   * it does the pool could not even hand the statement a connection.
   */
  async #send(write: () => Promise<void>): Promise<void> {
    await this.#writes.start(write);
    await setImmediate();
  }
}
