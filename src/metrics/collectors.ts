import type { Pool } from 'pg';
import { Gauge } from 'prom-client';
import type { Logger } from '../logging/logger.ts';
import type { Queues } from '../queues/queues.ts';
import { METRIC_NAMES } from './metrics.ts';
import type { Metrics } from './metrics.ts';

/** The job states whose counts /metrics reports for each queue. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;

/**
 * Gauges read at scrape time from shared state (Redis, the ledger), so that every process reports
 * the same figures however many workers there are. A store that does not answer leaves its gauge
 * empty for that scrape (and logs why) instead of failing the whole scrape. Adding them to a
 * registry that has them already changes nothing.
 */
export function addQueueGauges(metrics: Metrics, queues: Queues, logger: Logger): void {
  if (metrics.registry.getSingleMetric(METRIC_NAMES.queueJobs)) return;
  new Gauge({
    name: METRIC_NAMES.queueJobs,
    help: 'Jobs in each queue by state, read from Redis at scrape time',
    labelNames: ['queue', 'state'] as const,
    registers: [metrics.registry],
    async collect() {
      this.reset();
      try {
        for (const [name, queue] of Object.entries(queues.byName)) {
          const counts = await queue.getJobCounts(...QUEUE_STATES);
          for (const state of QUEUE_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
        }
      } catch (error) {
        logger.warn({ metric: METRIC_NAMES.queueJobs, err: error }, 'could not read queue counts for /metrics');
      }
    },
  });
}

interface LastAuditRow {
  counts: Record<string, unknown>;
  finished: number | string | null;
}

const LAST_AUDIT = `
select counts, extract(epoch from finished_at) as finished
from audit_runs where kind = 'audit' and status = 'completed'
order by finished_at desc limit 1`;

/** The counts of the last completed audit run in the ledger, by kind of issue, and when it finished. */
export function addAuditGauges(metrics: Metrics, ledgerPool: Pool, logger: Logger): void {
  if (metrics.registry.getSingleMetric(METRIC_NAMES.lastAuditCount)) return;
  const lastAudit = async (): Promise<LastAuditRow | undefined> => {
    try {
      return (await ledgerPool.query<LastAuditRow>(LAST_AUDIT)).rows[0];
    } catch (error) {
      logger.warn({ metric: METRIC_NAMES.lastAuditCount, err: error }, 'could not read the last audit for /metrics');
      return undefined;
    }
  };
  new Gauge({
    name: METRIC_NAMES.lastAuditCount,
    help: "The last completed audit's counts (from the ledger's audit_runs), e.g. name=\"inconsistent\" or \"issues.orphan\"",
    labelNames: ['name'] as const,
    registers: [metrics.registry],
    async collect() {
      this.reset();
      const row = await lastAudit();
      for (const [name, value] of flatCounts(row?.counts ?? {})) this.set({ name }, value);
    },
  });
  new Gauge({
    name: METRIC_NAMES.lastAuditFinished,
    help: 'When the last completed audit finished, as a Unix time in seconds',
    registers: [metrics.registry],
    async collect() {
      this.reset();
      const row = await lastAudit();
      if (row?.finished !== null && row?.finished !== undefined) this.set(Number(row.finished));
    },
  });
}

/** The numbers of a run's counts, one level of nesting flattened: `issues: {orphan: 2}` → `issues.orphan`. */
export function flatCounts(counts: Record<string, unknown>): Array<[string, number]> {
  const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
  return Object.entries(counts).flatMap(([key, value]): Array<[string, number]> => {
    if (isCount(value)) return [[key, value]];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
    return Object.entries(value).flatMap(([inner, count]): Array<[string, number]> => (isCount(count) ? [[`${key}.${inner}`, count]] : []));
  });
}
