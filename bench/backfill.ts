import { reconcileJobTimes } from './job-times.ts';
import type { JobTimes } from './job-times.ts';
import { createNamespace, profileEnv, runCommand, startRole, teardown } from './namespace.ts';
import type { BenchNamespace, BenchPerson, IdsyncProcess, System } from './namespace.ts';
import { waitLinked } from './linked-times.ts';
import { timeLiveReconciles } from './live-reconcile.ts';
import type { LiveReconciles } from './live-reconcile.ts';
import { measureReconciles, spreadSample } from './round-trips.ts';
import type { ReconcileSample } from './round-trips.ts';
import { SEED_CHUNK } from './seed.ts';
import { cpuUsage, peakRssMiB, snapshotCpu } from './system.ts';

/*
 * Scenario 4, once per population size, each on a namespace of its own: `idsync backfill
 * --platform crm` over N CRM users, each with an unlinked same-email twin in every other synced
 * system, run by K worker processes (no watchers, so no echo of idsync's own writes). Reconciled
 * per second = N / (last person linked - backfill started). The workers' first start builds the
 * link index from the stores before they take a job; that is timed apart, from their log lines.
 *
 * Baseline: the backfill job's own enqueue rate in the same run (enumerate the CRM in batches and
 * addBulk the jobs): reconcile jobs cannot finish faster than they are enqueued, so it is the
 * ceiling the reconciles are measured against; their ratio is the share of it the workers reach.
 *
 * Then the same backfill again, everyone now linked: the rate of a backfill that finds people as
 * they should be (each reconcile reads and writes nothing), which is what an operator's later
 * backfills mostly meet.
 *
 * Also: one person reconciled by hand (`idsync reconcile omnistack:<id> --wait`, the live lane)
 * right after the backfill's jobs are queued, beside the same command for another person while the
 * workers are idle; and, once everyone is linked, reconciles run one at a time in the bench
 * (round-trips.ts): a sample of the people linked (consistent: no write), and people whose other
 * records were there (and indexed) from the start but whose CRM record is written only now
 * (linking: a write to each system), for their round trips and the time spent in each store.
 */

const MS_PER_SECOND = 1_000;
/** How long the workers may take, beyond a fixed allowance, per person to link. */
const LINK_ALLOWANCE_MS = 600_000;
const LINK_MS_PER_PERSON = 500;
/** How long a worker may take to start, beyond a fixed allowance, per person: the first one indexes every record. */
const START_ALLOWANCE_MS = 60_000;
const START_MS_PER_PERSON = 10;
/** People linked in the bench after the backfill, at most. */
const LINKING_SAMPLE = 50;
/** Live reconciles timed with the workers idle, and at most this many while the backfill is queued. */
const IDLE_LIVE_SAMPLES = 3;
const DURING_LIVE_SAMPLES = 8;

export interface BackfillOptions {
  readonly workerProcesses: number;
  /** AUDIT_BATCH_SIZE: the backfill's enumeration batch and the index build's scan batch. */
  readonly batchSize: number;
  /** Sync Supabase (four systems) rather than three. */
  readonly withSupabase: boolean;
  /** People whose reconcile's round trips are counted once everyone is linked. */
  readonly roundTripSample: number;
  /** Where each worker process writes a CPU profile (none when undefined). */
  readonly profileDir: string | undefined;
}

export interface IndexBuild {
  readonly seconds: number;
  /** Records indexed: every synced system's, the shared Supabase database's other users included. */
  readonly records: number;
}

export interface BackfillResult {
  readonly users: number;
  readonly workerProcesses: number;
  readonly systems: readonly System[];
  readonly seedSeconds: number;
  /** The first worker's build of the empty link index of people, before it took a job. */
  readonly indexBuild: IndexBuild | null;
  readonly seconds: number;
  readonly reconciledPerSecond: number;
  /** The same backfill run again once everyone was linked: every reconcile consistent. */
  readonly again: { readonly seconds: number; readonly reconciledPerSecond: number; readonly cpu: Record<string, number> };
  readonly enqueueSeconds: number;
  readonly enqueuedPerSecond: number;
  readonly linkedAtEnd: number;
  /** `idsync reconcile --wait`, one person at a time, while the workers are idle, and while the backfill's jobs are queued. */
  readonly liveReconciles: { readonly idle: LiveReconciles; readonly duringBackfill: LiveReconciles };
  /** Reconciles of people the backfill linked (consistent: no write), one at a time in the bench. */
  readonly roundTrips: ReconcileSample;
  /** Reconciles that link a new person, one at a time in the bench. */
  readonly linking: ReconcileSample;
  /** How long the newest reconcile jobs ran, in the workers. */
  readonly jobTimes: JobTimes;
  readonly cpu: Record<string, number>;
  readonly peakRssMiB: Record<string, number>;
}

function logTime(workers: readonly IdsyncProcess[], matches: (entry: Record<string, unknown>) => boolean): Record<string, unknown> | undefined {
  return workers.flatMap((worker) => worker.logs).find(matches);
}

/** The build of the people's index, from its two log lines ('link index empty: ...' and 'link index built'). */
function indexBuildOf(workers: readonly IdsyncProcess[]): IndexBuild | null {
  for (const worker of workers) {
    const began = worker.logs.find((entry) => entry.kind === 'user' && typeof entry.msg === 'string' && entry.msg.startsWith('link index empty'));
    const built = worker.logs.find((entry) => entry.kind === 'user' && entry.msg === 'link index built');
    if (began && built) return { seconds: (Number(built.time) - Number(began.time)) / MS_PER_SECOND, records: Number(built.records) };
  }
  return null;
}

async function seed(namespace: BenchNamespace, people: readonly BenchPerson[]): Promise<number> {
  const startedAt = performance.now();
  for (let start = 0; start < people.length; start += SEED_CHUNK) await namespace.writePeople(people.slice(start, start + SEED_CHUNK));
  return (performance.now() - startedAt) / MS_PER_SECOND;
}

async function linkNewPeople(namespace: BenchNamespace, env: Record<string, string>, people: readonly BenchPerson[]): Promise<ReconcileSample> {
  await namespace.writePeople(people, ['crm']);
  return measureReconciles(env, people.map((person) => person.crm), 'linking');
}

interface BackfillPass<T> {
  /** From the command's start to the last person linked (or, again, reconciled). */
  readonly seconds: number;
  readonly startedAt: number;
  /** What `during` measured right after the command. */
  readonly during: T;
  readonly cpu: Record<string, number>;
}

/**
 * `idsync backfill --platform crm`, `during` right after it, then the wait for every person: linked,
 * or with `again` (everyone linked already) reconciled once more.
 */
async function timeBackfill<T>(workers: readonly IdsyncProcess[], env: Record<string, string>, people: readonly BenchPerson[], again: boolean, during: () => Promise<T>): Promise<BackfillPass<T>> {
  const names = new Map(workers.map((worker, index) => [worker.child.pid ?? 0, `idsync worker ${index + 1}`]));
  const cpuBefore = snapshotCpu();
  const startedAt = Date.now();
  await runCommand(['backfill', '--platform', 'crm', '--json'], env);
  const measured = await during();
  const times = await waitLinked(workers, people, LINK_ALLOWANCE_MS + people.length * LINK_MS_PER_PERSON, again ? startedAt : undefined);
  const cpu = cpuUsage(cpuBefore, snapshotCpu(), names);
  const last = people.reduce((latest, person) => Math.max(latest, times.get(person.crm) ?? 0), 0);
  return { seconds: (last - startedAt) / MS_PER_SECOND, startedAt, during: measured, cpu };
}

export async function runBackfill(users: number, options: BackfillOptions): Promise<BackfillResult> {
  const namespace = await createNamespace(options.withSupabase);
  const people = Array.from({ length: users }, namespace.newPerson);
  const idlePeople = Array.from({ length: IDLE_LIVE_SAMPLES }, namespace.newPerson);
  const livePeople = Array.from({ length: DURING_LIVE_SAMPLES }, namespace.newPerson);
  const linking = Array.from({ length: Math.min(LINKING_SAMPLE, options.roundTripSample) }, namespace.newPerson);
  const workers: IdsyncProcess[] = [];
  try {
    const seedSeconds = await seed(namespace, [...idlePeople, ...livePeople, ...people]);
    // Their CRM records come after the backfill, which therefore leaves them alone.
    await namespace.writePeople(linking, namespace.systems.filter((system) => system !== 'crm'));
    const env = { ...namespace.env, AUDIT_BATCH_SIZE: String(options.batchSize) };
    const startTimeoutMs = START_ALLOWANCE_MS + users * START_MS_PER_PERSON;
    for (let index = 0; index < options.workerProcesses; index += 1) workers.push(await startRole({ env }, 'workers', profileEnv(options.profileDir), startTimeoutMs));
    const idle = await timeLiveReconciles(idlePeople, env, false);
    const first = await timeBackfill(workers, env, people, false, () => timeLiveReconciles(livePeople, env, true));
    const { seconds, cpu } = first;
    const enqueueSeconds = (Number(logTime(workers, (entry) => entry.msg === 'backfill finished')?.time ?? Number.NaN) - first.startedAt) / MS_PER_SECOND;
    const jobTimes = await reconcileJobTimes(env);
    const second = await timeBackfill(workers, env, people, true, async () => undefined);
    const peak = Object.fromEntries(workers.map((worker, index) => [`idsync worker ${index + 1}`, Number(peakRssMiB(worker.child.pid ?? 0).toFixed(1))]));
    return {
      users,
      workerProcesses: options.workerProcesses,
      systems: namespace.systems,
      seedSeconds,
      indexBuild: indexBuildOf(workers),
      seconds,
      reconciledPerSecond: users / seconds,
      again: { seconds: second.seconds, reconciledPerSecond: users / second.seconds, cpu: second.cpu },
      enqueueSeconds,
      enqueuedPerSecond: users / enqueueSeconds,
      linkedAtEnd: await namespace.countLinked(people),
      liveReconciles: { idle, duringBackfill: first.during },
      roundTrips: await measureReconciles(env, spreadSample(people, options.roundTripSample).map((person) => person.crm), 'consistent'),
      linking: await linkNewPeople(namespace, env, linking),
      jobTimes,
      cpu,
      peakRssMiB: peak,
    };
  } finally {
    await teardown(namespace, workers);
  }
}
