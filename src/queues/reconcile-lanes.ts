import type { JobsOptions } from 'bullmq';
import { formatRecordKey } from '../ids/index.ts';
import type { RecordKey } from '../ids/index.ts';

/**
 * Three lanes on the reconcile queue. `changed`: a record a watcher saw written, whose job ends
 * after one read when the record reads exactly as the last completed reconcile left it (the echo
 * of idsync's own write). `live`: a person asked for by hand, or the claimers of a deleted record
 * (their own records did not change, yet they need a reconcile). `bulk`: every record of a
 * collection at once (a backfill, an audit's repairs, a watcher covering history it lost). A bulk
 * run of 100,000 reconciles must not make a live change wait behind it, so bulk jobs carry a
 * priority: BullMQ serves every job without one first.
 */
export type ReconcileLane = 'changed' | 'live' | 'bulk';
export type ReconcileKind = 'user' | 'client';

/** Each lane's deduplication ids begin so: the lanes deduplicate apart, and a job's lane can be read back. */
const LANE_PREFIX: Record<ReconcileLane, string> = { changed: 'changed:', live: '', bulk: 'bulk:' };

/** Any priority puts a job behind every job without one; bulk jobs all share this one (FIFO among them). */
const BULK_PRIORITY = 10;

/**
 * Options for one reconcile job. Deduplicated per record and lane: a burst for one record
 * within `delayMs` becomes one job carrying the latest trigger, and an add that arrives while that
 * record's job runs is kept as one follow-up job, because the running job may have read the old
 * state. The lanes deduplicate apart, so a live change is never folded into a waiting bulk job (it
 * would wait with it), and a job that must gather is never replaced by one that may end early; a
 * record in two lanes is reconciled twice, which is idempotent.
 */
export function reconcileJobOptions(key: RecordKey, kind: ReconcileKind, lane: ReconcileLane, delayMs: number): JobsOptions {
  const id = `${LANE_PREFIX[lane]}${kind}:${formatRecordKey(key)}`;
  return {
    delay: delayMs,
    ...(lane === 'bulk' ? { priority: BULK_PRIORITY } : {}),
    deduplication: { id, replace: true, keepLastIfActive: true },
  };
}

/** The lane a reconcile job was enqueued in, read back from its options. */
export function laneOf(options: Pick<JobsOptions, 'priority' | 'deduplication'>): ReconcileLane {
  if (options.priority === BULK_PRIORITY) return 'bulk';
  return options.deduplication?.id.startsWith(LANE_PREFIX.changed) ? 'changed' : 'live';
}
