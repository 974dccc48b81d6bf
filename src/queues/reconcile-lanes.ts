import type { JobsOptions } from 'bullmq';
import { formatRecordKey } from '../ids/index.ts';
import type { RecordKey } from '../ids/index.ts';

/**
 * Two lanes on the reconcile queue. `live`: a change a watcher saw, or a person asked for by hand.
 * `bulk`: every record of a collection at once (a backfill, an audit's repairs, a watcher covering
 * history it lost). A bulk run of 100,000 reconciles must not make a live change wait behind it,
 * so bulk jobs carry a priority: BullMQ serves every job without one first.
 */
export type ReconcileLane = 'live' | 'bulk';
export type ReconcileKind = 'user' | 'client';

/** Any priority puts a job behind every job without one; bulk jobs all share this one (FIFO among them). */
const BULK_PRIORITY = 10;

/**
 * Options for one reconcile job. Deduplicated per record and lane: a burst for one record
 * within `delayMs` becomes one job carrying the latest trigger, and an add that arrives while that
 * record's job runs is kept as one follow-up job, because the running job may have read the old
 * state. The lanes deduplicate apart, so a live change is never folded into a waiting bulk job (it
 * would wait with it); a record in both lanes is reconciled twice, which is idempotent.
 */
export function reconcileJobOptions(key: RecordKey, kind: ReconcileKind, lane: ReconcileLane, delayMs: number): JobsOptions {
  const id = `${lane === 'bulk' ? 'bulk:' : ''}${kind}:${formatRecordKey(key)}`;
  return {
    delay: delayMs,
    ...(lane === 'bulk' ? { priority: BULK_PRIORITY } : {}),
    deduplication: { id, replace: true, keepLastIfActive: true },
  };
}

/** The lane a reconcile job was enqueued in, read back from its options. */
export function laneOf(options: Pick<JobsOptions, 'priority'>): ReconcileLane {
  return options.priority === BULK_PRIORITY ? 'bulk' : 'live';
}
