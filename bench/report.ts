import type { AuditResult } from './audit.ts';
import type { BackfillResult } from './backfill.ts';
import { STORES } from './counted-stores.ts';
import type { Store } from './counted-stores.ts';
import type { ReconcileSample } from './round-trips.ts';
import type { System } from './namespace.ts';
import type { PropagationResult } from './propagation.ts';
import type { SoakResult } from './soak.ts';
import { formatNumber, ratio } from './stats.ts';
import type { TableRow } from './stats.ts';

/** The results of one run, as the JSON file holds them. */
export interface BenchResults {
  /** The systems synced, and why Supabase is not among them where it is not. */
  readonly systems: { readonly synced: readonly System[]; readonly supabaseMissing: string | null };
  readonly propagation: PropagationResult[];
  readonly audit: AuditResult[];
  /** One run per population size, the smallest first. */
  readonly backfill: BackfillResult[];
  /** Run only with `--only soak`. */
  readonly soak: SoakResult[];
}

export const ms = (value: number) => `${formatNumber(value, 0)} ms`;
export const perSecond = (value: number) => `${formatNumber(value)}/s`;
export const times = (value: number) => `${formatNumber(value, 2)}x`;

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
    { scenario, metric: 'reconcile jobs/s, burst (echo jobs included)', measured: perSecond(run.burst.reconcilesPerSecond), baseline: '-', ratio: '-' },
    { scenario, metric: 'profiles propagated/s, burst', measured: perSecond(run.burst.profilesPerSecond), baseline: '-', ratio: '-' },
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

/** Outside the heap: Buffers and typed arrays (external) are what the audit's columns are held in. */
function peakSampleText(sample: AuditResult['peakSample']): string {
  return `${formatNumber(sample.heapUsed, 0)} / ${formatNumber(sample.heapTotal, 0)} / ${formatNumber(sample.external, 0)} MiB`;
}

function auditRows(run: AuditResult): TableRow[] {
  const scenario = `audit, ${formatNumber(run.people)} people`;
  const loop = run.perUserLoop;
  return [
    { scenario, metric: 'seconds', measured: `${formatNumber(run.seconds, 2)} s`, baseline: `${formatNumber(loop.extrapolatedSeconds, 1)} s (per-user loop, ${loop.sample} sampled)`, ratio: `${formatNumber(run.speedUp, 1)}x faster` },
    { scenario, metric: 'of which the scan (then group, plan, ledger)', measured: `${formatNumber(run.scanSeconds, 2)} s`, baseline: '-', ratio: '-' },
    { scenario, metric: 'database round trips', measured: formatNumber(run.roundTrips.total), baseline: `${formatNumber(loop.extrapolatedRoundTrips)} (per-user loop)`, ratio: `${formatNumber(loop.extrapolatedRoundTrips / run.roundTrips.total, 0)}x fewer` },
    { scenario, metric: 'peak RSS of the audit process', measured: `${formatNumber(run.peakRssMiB, 0)} MiB`, baseline: `${formatNumber(run.rssBeforeMiB, 0)} MiB (same process before the audit)`, ratio: times(ratio(run.peakRssMiB, run.rssBeforeMiB)) },
    { scenario, metric: 'at the highest sample: heap used / heap / outside the heap', measured: peakSampleText(run.peakSample), baseline: `${formatNumber(run.peakSample.rss, 0)} MiB resident, at ${formatNumber(run.peakSample.atSeconds, 1)} s`, ratio: '-' },
    {
      scenario,
      metric: 'seconds, the same audit again (the link index held)',
      measured: `${formatNumber(run.again.seconds, 2)} s`,
      baseline: `${formatNumber(run.seconds, 2)} s (the first audit)`,
      ratio: times(ratio(run.again.seconds, run.seconds)),
    },
  ];
}

const perStore = (values: Record<Store, number>, digits: number, unit = '') => STORES.map((store) => `${store} ${formatNumber(values[store], digits)}${unit}`).join(', ');
const means = (sample: ReconcileSample) => Object.fromEntries(STORES.map((store) => [store, sample.perStore[store].mean])) as Record<Store, number>;

/** The live reconciles' medians beside the backfill, against the same command with the workers idle. */
function liveReconcileRows(scenario: string, live: BackfillResult['liveReconciles']): TableRow[] {
  const { idle, duringBackfill: during } = live;
  return [
    {
      scenario,
      metric: `live reconcile --wait, backfill queued: p50 of ${during.wallMs.count} (max)`,
      measured: `${ms(during.wallMs.p50)} (${ms(during.wallMs.max)})`,
      baseline: `${ms(idle.wallMs.p50)} (same command, workers idle, p50 of ${idle.wallMs.count})`,
      ratio: times(ratio(during.wallMs.p50, idle.wallMs.p50)),
    },
    {
      scenario,
      metric: 'of which queued / running / the command itself, p50',
      measured: `${ms(during.queuedMs.p50)} / ${ms(during.runMs.p50)} / ${ms(during.commandMs.p50)}`,
      baseline: `${ms(idle.queuedMs.p50)} / ${ms(idle.runMs.p50)} / ${ms(idle.commandMs.p50)} (workers idle)`,
      ratio: '-',
    },
  ];
}

function backfillRows(run: BackfillResult): TableRow[] {
  const scenario = `backfill, ${formatNumber(run.users)} CRM users, ${run.workerProcesses} workers`;
  const { roundTrips: trips, linking, indexBuild } = run;
  const records = `${run.systems.length}-record`;
  return [
    { scenario, metric: 'reconciled/s', measured: perSecond(run.reconciledPerSecond), baseline: `${perSecond(run.enqueuedPerSecond)} (the job's enqueue rate)`, ratio: times(ratio(run.reconciledPerSecond, run.enqueuedPerSecond)) },
    {
      scenario,
      metric: 'reconciled/s, the same backfill again (everyone linked)',
      measured: perSecond(run.again.reconciledPerSecond),
      baseline: `${perSecond(run.reconciledPerSecond)} (the backfill that linked them)`,
      ratio: times(ratio(run.again.reconciledPerSecond, run.reconciledPerSecond)),
    },
    {
      scenario,
      metric: 'link index build at the first start',
      measured: indexBuild ? `${formatNumber(indexBuild.seconds, 2)} s` : 'n/a',
      baseline: indexBuild ? `${formatNumber(indexBuild.records)} records` : '-',
      ratio: indexBuild ? `${perSecond(indexBuild.records / indexBuild.seconds)} records` : '-',
    },
    ...liveReconcileRows(scenario, run.liveReconciles),
    { scenario, metric: `round trips per consistent ${records} reconcile, mean (max)`, measured: `${formatNumber(trips.total.mean, 2)} (${trips.total.max})`, baseline: `${trips.sample} sampled, ${trips.writes} writes`, ratio: '-' },
    { scenario, metric: 'of which, per store (mean)', measured: perStore(means(trips), 2), baseline: '-', ratio: '-' },
    {
      scenario,
      metric: `reconcile job run time p50 (newest ${formatNumber(run.jobTimes.sampled)})`,
      measured: ms(run.jobTimes.runMs.p50),
      baseline: `${ms(linking.meanMs)} (a ${records} link alone, in the bench)`,
      ratio: times(ratio(run.jobTimes.runMs.p50, linking.meanMs)),
    },
    { scenario, metric: `a ${records} link alone: round trips, mean (max)`, measured: `${formatNumber(linking.total.mean, 2)} (${linking.total.max})`, baseline: `${linking.sample} linked, ${linking.writes} writes`, ratio: '-' },
    { scenario, metric: 'of which, time per store (mean)', measured: perStore(linking.msPerStore, 1, ' ms'), baseline: '-', ratio: '-' },
  ];
}

/** The largest backfill beside the smallest of the same run: constant cost per reconcile means a ratio near 1. */
function backfillScaleRows(runs: readonly BackfillResult[]): TableRow[] {
  const [small, large] = [runs[0], runs.at(-1)];
  if (!small || !large || small === large) return [];
  const scenario = `backfill, ${formatNumber(large.users)} vs ${formatNumber(small.users)} CRM users`;
  return [
    { scenario, metric: 'reconciled/s', measured: perSecond(large.reconciledPerSecond), baseline: `${perSecond(small.reconciledPerSecond)} (${formatNumber(small.users)} users)`, ratio: times(ratio(large.reconciledPerSecond, small.reconciledPerSecond)) },
    {
      scenario,
      metric: 'round trips per consistent reconcile, mean',
      measured: formatNumber(large.roundTrips.total.mean, 2),
      baseline: `${formatNumber(small.roundTrips.total.mean, 2)} (${formatNumber(small.users)} users)`,
      ratio: times(ratio(large.roundTrips.total.mean, small.roundTrips.total.mean)),
    },
  ];
}

function soakRows(run: SoakResult): TableRow[] {
  const scenario = `soak, ${run.minutes} min`;
  const written = `${formatNumber(run.people)} people written`;
  return [
    { scenario, metric: 'records written/s', measured: perSecond(run.achievedWritesPerSecond), baseline: `${perSecond(run.targetWritesPerSecond)} (asked for)`, ratio: times(ratio(run.achievedWritesPerSecond, run.targetWritesPerSecond)) },
    { scenario, metric: 'people lost (unlinked once the queues emptied)', measured: formatNumber(run.lost), baseline: written, ratio: '-' },
    { scenario, metric: 'people late (unlinked at the bound, jobs pending)', measured: formatNumber(run.late), baseline: written, ratio: '-' },
    { scenario, metric: 'time to drain after the last write', measured: `${formatNumber(run.drainSeconds)} s`, baseline: `${formatNumber(run.backlogAtLastWrite)} jobs pending then`, ratio: '-' },
    { scenario, metric: 'highest queue depth (reconcile + propagate)', measured: formatNumber(run.maxQueueDepth), baseline: written, ratio: '-' },
    ...Object.entries(run.rss).map(([name, rss]) => ({
      scenario,
      metric: `${name}: RSS growth after the first minute`,
      measured: `${formatNumber(rss.slopeMiBPerMinute, 2)} MiB/min`,
      baseline: `${formatNumber(rss.firstMiB)} -> ${formatNumber(rss.lastMiB)} MiB (peak ${formatNumber(rss.peakMiB)})`,
      ratio: '-',
    })),
  ];
}

export function tableRows(results: BenchResults): TableRow[] {
  return [
    ...results.propagation.flatMap(propagationRows),
    ...scaleOutRows(results.propagation),
    ...results.audit.flatMap(auditRows),
    ...results.backfill.flatMap(backfillRows),
    ...backfillScaleRows(results.backfill),
    ...results.soak.flatMap(soakRows),
  ];
}
