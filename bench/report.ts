import type { AuditResult } from './audit.ts';
import type { BackfillResult } from './backfill.ts';
import type { PropagationResult } from './propagation.ts';
import { formatNumber, ratio } from './stats.ts';
import type { Goal, TableRow } from './stats.ts';

/** The results of one run, as the JSON file holds them. */
export interface BenchResults {
  readonly propagation: PropagationResult[];
  readonly audit: AuditResult[];
  readonly backfill: BackfillResult | null;
}

const GOAL_P99_MS = 250;
const GOAL_RATE = 200;
const GOAL_RECONCILES = 1_000;
const GOAL_AUDIT_100K_S = 10;
const GOAL_AUDIT_1M_S = 120;
/** 1 GB read as 10^9 bytes (954 MiB): the stricter of the two readings. */
const GOAL_RSS_MIB = 1e9 / 2 ** 20;
const GOAL_SPEED_UP = 100;
const HUNDRED_K = 100_000;
const MILLION = 1_000_000;

const ms = (value: number) => `${formatNumber(value, 0)} ms`;
const perSecond = (value: number) => `${formatNumber(value)}/s`;
const times = (value: number) => `${formatNumber(value, 2)}x`;

function propagationRows(run: PropagationResult): TableRow[] {
  const scenario = `propagation, ${run.workerProcesses} worker process${run.workerProcesses > 1 ? 'es' : ''}`;
  const floorNote = 'bare change-stream loop';
  const latency = (name: 'p50' | 'p95' | 'p99'): TableRow => ({
    scenario,
    metric: `write -> linked ${name} (${run.steady.people} at ${formatNumber(run.achievedRate, 0)}/s)`,
    measured: ms(run.latencyMs[name]),
    baseline: `${ms(run.floorMs[name])} (${floorNote})`,
    ratio: times(ratio(run.latencyMs[name], run.floorMs[name])),
  });
  return [
    latency('p50'),
    latency('p95'),
    latency('p99'),
    { scenario, metric: 'people linked/s at the steady rate', measured: perSecond(run.steady.linkedPerSecond), baseline: `${perSecond(run.steady.floorPerSecond)} (events received)`, ratio: times(ratio(run.steady.linkedPerSecond, run.steady.floorPerSecond)) },
    { scenario, metric: `people linked/s, burst of ${run.burst.people}`, measured: perSecond(run.burst.linkedPerSecond), baseline: `${perSecond(run.burst.floorPerSecond)} (events received)`, ratio: times(ratio(run.burst.linkedPerSecond, run.burst.floorPerSecond)) },
    { scenario, metric: 'reconcile jobs/s, burst (echoes included)', measured: perSecond(run.burst.reconcilesPerSecond), baseline: '-', ratio: '-' },
    { scenario, metric: 'records the watcher swept (history lost)', measured: formatNumber(run.sweeps?.recordsEnqueued ?? Number.NaN), baseline: `${formatNumber(run.steady.people + run.burst.people)} people written`, ratio: times(ratio(run.sweeps?.recordsEnqueued ?? Number.NaN, run.steady.people + run.burst.people)) },
  ];
}

function scaleOutRows(runs: readonly PropagationResult[]): TableRow[] {
  const one = runs.find((run) => run.workerProcesses === 1);
  const two = runs.find((run) => run.workerProcesses === 2);
  if (!one || !two) return [];
  const scenario = 'scale-out, 2 vs 1 worker processes';
  return [
    { scenario, metric: 'people linked/s, burst', measured: perSecond(two.burst.linkedPerSecond), baseline: `${perSecond(one.burst.linkedPerSecond)} (1 process)`, ratio: times(ratio(two.burst.linkedPerSecond, one.burst.linkedPerSecond)) },
    { scenario, metric: 'reconcile jobs/s, burst', measured: perSecond(two.burst.reconcilesPerSecond), baseline: `${perSecond(one.burst.reconcilesPerSecond)} (1 process)`, ratio: times(ratio(two.burst.reconcilesPerSecond, one.burst.reconcilesPerSecond)) },
    { scenario, metric: 'write -> linked p99, steady', measured: ms(two.latencyMs.p99), baseline: `${ms(one.latencyMs.p99)} (1 process)`, ratio: times(ratio(two.latencyMs.p99, one.latencyMs.p99)) },
  ];
}

function auditRows(run: AuditResult): TableRow[] {
  const scenario = `audit, ${formatNumber(run.people)} people`;
  const loop = run.perUserLoop;
  return [
    { scenario, metric: 'seconds', measured: `${formatNumber(run.seconds, 2)} s`, baseline: `${formatNumber(loop.extrapolatedSeconds, 1)} s (per-user loop, ${loop.sample} sampled)`, ratio: `${formatNumber(run.speedUp, 1)}x faster` },
    { scenario, metric: 'of which the scan (then group, plan, ledger)', measured: `${formatNumber(run.scanSeconds, 2)} s`, baseline: '-', ratio: '-' },
    { scenario, metric: 'database round trips', measured: formatNumber(run.roundTrips.total), baseline: `${formatNumber(loop.extrapolatedRoundTrips)} (per-user loop)`, ratio: `${formatNumber(loop.extrapolatedRoundTrips / run.roundTrips.total, 0)}x fewer` },
    { scenario, metric: 'peak RSS of the audit process', measured: `${formatNumber(run.peakRssMiB, 0)} MiB`, baseline: `${formatNumber(run.rssBeforeMiB, 0)} MiB (same process before the audit)`, ratio: times(ratio(run.peakRssMiB, run.rssBeforeMiB)) },
  ];
}

function backfillRows(run: BackfillResult): TableRow[] {
  const scenario = `backfill, ${formatNumber(run.users)} CRM users, ${run.workerProcesses} workers`;
  return [
    { scenario, metric: 'reconciled/s', measured: perSecond(run.reconciledPerSecond), baseline: `${perSecond(run.enqueuedPerSecond)} (the job's enqueue rate)`, ratio: times(ratio(run.reconciledPerSecond, run.enqueuedPerSecond)) },
    {
      scenario,
      metric: 'one live reconcile --wait, backfill queued',
      measured: `${formatNumber(run.liveReconcileMs.duringBackfill, 0)} ms`,
      baseline: `${formatNumber(run.liveReconcileMs.idle, 0)} ms (same command, workers idle)`,
      ratio: times(ratio(run.liveReconcileMs.duringBackfill, run.liveReconcileMs.idle)),
    },
  ];
}

export function tableRows(results: BenchResults): TableRow[] {
  return [
    ...results.propagation.flatMap(propagationRows),
    ...scaleOutRows(results.propagation),
    ...results.audit.flatMap(auditRows),
    ...(results.backfill ? backfillRows(results.backfill) : []),
  ];
}

export function goals(results: BenchResults): Goal[] {
  const atRate = results.propagation.filter((run) => run.rate >= GOAL_RATE);
  const worstP99 = Math.min(...atRate.map((run) => run.latencyMs.p99));
  const two = results.propagation.find((run) => run.workerProcesses === 2);
  const audit = (people: number) => results.audit.find((run) => run.people === people);
  const hundredK = audit(HUNDRED_K);
  const million = audit(MILLION);
  const slowest = results.audit.length > 0 ? Math.min(...results.audit.map((run) => run.speedUp)) : Number.NaN;
  const measured = (value: number, good: boolean): boolean | null => (Number.isFinite(value) ? good : null);
  return [
    { goal: `p99 propagation under ${GOAL_P99_MS} ms at ${GOAL_RATE} writes/s`, measured: atRate.length ? `best p99 ${ms(worstP99)}` : 'not run', met: atRate.length ? worstP99 < GOAL_P99_MS : null },
    { goal: `at least ${GOAL_RECONCILES} reconciles/s with two worker processes`, measured: two ? `${perSecond(two.burst.reconcilesPerSecond)} reconcile jobs, ${perSecond(two.burst.linkedPerSecond)} people` : 'not run', met: two ? two.burst.reconcilesPerSecond >= GOAL_RECONCILES : null },
    { goal: `audit of 100,000 people under ${GOAL_AUDIT_100K_S} s`, measured: hundredK ? `${formatNumber(hundredK.seconds, 2)} s` : 'not run', met: hundredK ? hundredK.seconds < GOAL_AUDIT_100K_S : null },
    { goal: `audit of 1,000,000 people under ${GOAL_AUDIT_1M_S} s`, measured: million ? `${formatNumber(million.seconds, 1)} s` : 'not run (--million)', met: million ? million.seconds < GOAL_AUDIT_1M_S : null },
    { goal: 'audit under 1 GB (10^9 bytes) RSS', measured: results.audit.map((run) => `${formatNumber(run.people)}: ${formatNumber(run.peakRssMiB, 0)} MiB`).join(', ') || 'not run', met: results.audit.length ? results.audit.every((run) => run.peakRssMiB < GOAL_RSS_MIB) : null },
    { goal: `audit at least ${GOAL_SPEED_UP}x faster than the per-user loop`, measured: `lowest ${times(slowest)}`, met: measured(slowest, slowest >= GOAL_SPEED_UP) },
  ];
}
