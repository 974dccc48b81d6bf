import type { Platform, RecordKey } from '../ids/index.ts';
import type { Adapters } from '../platforms/platform-adapter.ts';
import type { PersonEvaluation } from './audit-model.ts';
import { evaluatePerson } from './evaluate.ts';
import { groupPeople } from './group-people.ts';
import { NO_LINK } from './platform-columns.ts';
import { scanAll } from './scan.ts';
import type { ScanAllOptions } from './scan.ts';

export interface AuditPassOptions extends ScanAllOptions {
  /** The platforms idsync syncs; those with an adapter are scanned. */
  platforms: readonly Platform[];
  /** The platforms every person must have a record on. Default: all of `platforms`. */
  required?: readonly Platform[];
  /** The conflict policy (CONFLICT_POLICY). Default: 'newest'. */
  conflictPolicy?: 'newest' | 'manual';
  /** gather's bound on one person's records. Default: gather's own (DEFAULT_MAX_RECORDS). */
  maxRecords?: number;
}

export interface AuditPass {
  readonly scanned: readonly Platform[];
  /** Records read, per scanned platform. */
  readonly records: Partial<Record<Platform, number>>;
  /** Round trips the scans made, per scanned platform. */
  readonly batches: Partial<Record<Platform, number>>;
  /** Every id claim that points at a scanned platform: what cleanup's breaker measures against. */
  readonly links: number;
  /** Whether the scan read a record of `key`. */
  holds(key: RecordKey): boolean;
  /**
   * Every person, grouped and planned as the caller iterates (one pass per call). Only the scan and
   * its index stay in memory; a caller keeps what it needs of each person, so a million people
   * never exist as a million evaluations at once.
   */
  people(): Generator<PersonEvaluation>;
}

/**
 * The set-based pass shared by the audit, the orphan cleanup and `backfill --dry-run`: scan every
 * system once, group the records into people in memory, and plan each person with the planner.
 */
export async function runAuditPass(adapters: Adapters, options: AuditPassOptions): Promise<AuditPass> {
  const scan = await scanAll(adapters, options.platforms, options);
  const groupOptions = { maxRecords: options.maxRecords };
  const evaluate = { platforms: options.platforms, required: options.required, scanned: scan.scanned, conflictPolicy: options.conflictPolicy };
  return {
    scanned: scan.scanned,
    records: scan.store.records,
    batches: scan.batches,
    links: scan.store.links,
    holds: ({ platform, id }) => scan.store.find(platform, id) !== NO_LINK,
    *people() {
      for (const group of groupPeople(scan.store, groupOptions)) yield evaluatePerson(group, evaluate);
    },
  };
}
