import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { Platform } from '../ids/index.ts';

/** How a job attempt ended: done, failed for good, or failed and scheduled to run again. */
export type JobOutcome = 'completed' | 'failed' | 'retried';

/** How one compare-and-set write ended ('stale': the record changed since it was read). */
export type WriteOutcomeLabel = 'written' | 'stale' | 'error';

/**
 * What the pipeline's parts record. Each call is cheap and synchronous; labels are bounded sets
 * (platform keys, queue names, watcher sources), never ids or emails.
 */
export interface MetricsRecorder {
  /** A watcher received one change event from `source` (e.g. 'crm.User', 'bookmaster.users'). */
  changeEventReceived(source: string): void;
  /** A watcher's change from `source` read as settled (an echo of idsync's own write), so no reconcile was enqueued for it. */
  changeEventSettled(source: string): void;
  /** A job attempt on `queue` ended with `outcome`. */
  jobFinished(queue: string, outcome: JobOutcome): void;
  /** A compare-and-set write of link fields on `platform` ended with `outcome`. */
  platformWrite(platform: Platform, outcome: WriteOutcomeLabel): void;
  /** A compare-and-set write of a profile (name, email) on `platform` ended with `outcome`. */
  profileWrite(platform: Platform, outcome: WriteOutcomeLabel): void;
  /** A person whose reconcile started from a change on `platform` is consistent `seconds` after the change. */
  changeToConsistent(platform: Platform, seconds: number): void;
}

/** The recorder plus the registry it records into: one per process (or per test), never a module singleton. */
export interface Metrics extends MetricsRecorder {
  readonly registry: Registry;
}

export interface MetricsOptions {
  /** Also collect Node's process metrics (CPU, memory, event loop lag, GC) with the same prefix. Default: true. */
  defaultMetrics?: boolean;
  /** Buckets of the change-to-consistent histogram, in seconds. Default: 0.05 s to 10 min. */
  consistencyBuckets?: readonly number[];
}

/** The prefix of every metric idsync exposes. */
export const METRIC_PREFIX = 'idsync_';

/** The names of the metrics on /metrics (README, "Metrics"). */
export const METRIC_NAMES = {
  changeEvents: `${METRIC_PREFIX}change_events_total`,
  settledChanges: `${METRIC_PREFIX}change_events_settled_total`,
  jobs: `${METRIC_PREFIX}jobs_total`,
  platformWrites: `${METRIC_PREFIX}platform_writes_total`,
  profileWrites: `${METRIC_PREFIX}profile_writes_total`,
  changeToConsistent: `${METRIC_PREFIX}change_to_consistent_seconds`,
  queueJobs: `${METRIC_PREFIX}queue_jobs`,
  lastAuditCount: `${METRIC_PREFIX}last_audit_count`,
  lastAuditFinished: `${METRIC_PREFIX}last_audit_finished_timestamp_seconds`,
} as const;

const DEFAULT_CONSISTENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

const WRITE_LABELS = ['platform', 'outcome'] as const;

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const registers = [registry];
  const sourceCounter = (name: string, help: string) => new Counter({ name, help, labelNames: ['source'] as const, registers });
  const changeEvents = sourceCounter(METRIC_NAMES.changeEvents, 'Change events received by the watchers, by source');
  const settledChanges = sourceCounter(
    METRIC_NAMES.settledChanges,
    "Changes the watchers found settled (echoes of idsync's own writes) and enqueued no reconcile for, by source",
  );
  const jobs = new Counter({
    name: METRIC_NAMES.jobs,
    help: 'Job attempts finished by this process, by queue and outcome (completed, failed, retried)',
    labelNames: ['queue', 'outcome'] as const,
    registers,
  });
  const writeCounter = (name: string, what: string) =>
    new Counter({ name, help: `Compare-and-set writes of ${what}, by platform and outcome (written, stale, error)`, labelNames: WRITE_LABELS, registers });
  const platformWrites = writeCounter(METRIC_NAMES.platformWrites, 'link fields');
  const profileWrites = writeCounter(METRIC_NAMES.profileWrites, "a CRM user's profile (name, email) to a linked record");
  const changeToConsistent = new Histogram({
    name: METRIC_NAMES.changeToConsistent,
    help: 'Time from a change event being enqueued to its person being reconciled, by the platform that changed',
    labelNames: ['platform'] as const,
    buckets: [...(options.consistencyBuckets ?? DEFAULT_CONSISTENCY_BUCKETS)],
    registers,
  });
  return {
    registry,
    changeEventReceived: (source) => changeEvents.inc({ source }),
    changeEventSettled: (source) => settledChanges.inc({ source }),
    jobFinished: (queue, outcome) => jobs.inc({ queue, outcome }),
    platformWrite: (platform, outcome) => platformWrites.inc({ platform, outcome }),
    profileWrite: (platform, outcome) => profileWrites.inc({ platform, outcome }),
    changeToConsistent: (platform, seconds) => changeToConsistent.observe({ platform }, Math.max(0, seconds)),
  };
}
