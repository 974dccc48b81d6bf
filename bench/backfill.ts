import { createNamespace, profileEnv, runCommand, startRole, teardown } from './namespace.ts';
import type { BenchNamespace, BenchPerson, IdsyncProcess, System } from './namespace.ts';
import { waitLinked } from './linked-times.ts';
import { measureRoundTrips } from './round-trips.ts';
import type { RoundTripResult } from './round-trips.ts';
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
 * Also: one person reconciled by hand (`idsync reconcile omnistack:<id> --wait`, the live lane)
 * right after the backfill's jobs are queued, beside the same command for another person while the
 * workers are idle; and, once everyone is linked, the round trips of a reconcile of a consistent
 * person (round-trips.ts) on a sample of them.
 */

const MS_PER_SECOND = 1_000;
/** How long the workers may take, beyond a fixed allowance, per person to link. */
const LINK_ALLOWANCE_MS = 600_000;
const LINK_MS_PER_PERSON = 100;

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
  readonly enqueueSeconds: number;
  readonly enqueuedPerSecond: number;
  readonly linkedAtEnd: number;
  /** Wall time of `idsync reconcile --wait` for one person while the workers are idle, and right after the backfill is queued, in ms. */
  readonly liveReconcileMs: { readonly idle: number; readonly duringBackfill: number };
  readonly roundTrips: RoundTripResult;
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

/** The wall time of `idsync reconcile omnistack:<id> --wait` for one person, in ms. */
async function timeLiveReconcile(person: BenchPerson, env: Record<string, string>): Promise<number> {
  const started = performance.now();
  await runCommand(['reconcile', `omnistack:${person.omnistack}`, '--wait', '--json'], env);
  return performance.now() - started;
}

async function seed(namespace: BenchNamespace, people: readonly BenchPerson[]): Promise<number> {
  const startedAt = performance.now();
  for (let start = 0; start < people.length; start += SEED_CHUNK) await namespace.writePeople(people.slice(start, start + SEED_CHUNK));
  return (performance.now() - startedAt) / MS_PER_SECOND;
}

export async function runBackfill(users: number, options: BackfillOptions): Promise<BackfillResult> {
  const namespace = await createNamespace(options.withSupabase);
  const people = Array.from({ length: users }, namespace.newPerson);
  const [idlePerson, livePerson] = [namespace.newPerson(), namespace.newPerson()];
  const workers: IdsyncProcess[] = [];
  try {
    const seedSeconds = await seed(namespace, [idlePerson, livePerson, ...people]);
    const env = { ...namespace.env, AUDIT_BATCH_SIZE: String(options.batchSize) };
    for (let index = 0; index < options.workerProcesses; index += 1) workers.push(await startRole({ env }, 'workers', profileEnv(options.profileDir)));
    const names = new Map(workers.map((worker, index) => [worker.child.pid ?? 0, `idsync worker ${index + 1}`]));
    const idle = await timeLiveReconcile(idlePerson, env);
    const cpuBefore = snapshotCpu();
    const startedAt = Date.now();
    await runCommand(['backfill', '--platform', 'crm', '--json'], env);
    const duringBackfill = await timeLiveReconcile(livePerson, env);
    const times = await waitLinked(workers, people, LINK_ALLOWANCE_MS + users * LINK_MS_PER_PERSON);
    const cpu = cpuUsage(cpuBefore, snapshotCpu(), names);
    const seconds = (Math.max(...times.values()) - startedAt) / MS_PER_SECOND;
    const finished = logTime(workers, (entry) => entry.msg === 'backfill finished');
    const enqueueSeconds = (Number(finished?.time ?? Number.NaN) - startedAt) / MS_PER_SECOND;
    const peak = Object.fromEntries(workers.map((worker, index) => [`idsync worker ${index + 1}`, Number(peakRssMiB(worker.child.pid ?? 0).toFixed(1))]));
    return {
      users,
      workerProcesses: options.workerProcesses,
      systems: namespace.systems,
      seedSeconds,
      indexBuild: indexBuildOf(workers),
      seconds,
      reconciledPerSecond: users / seconds,
      enqueueSeconds,
      enqueuedPerSecond: users / enqueueSeconds,
      linkedAtEnd: await namespace.countLinked(people),
      liveReconcileMs: { idle, duringBackfill },
      roundTrips: await measureRoundTrips(env, people, options.roundTripSample),
      cpu,
      peakRssMiB: peak,
    };
  } finally {
    await teardown(namespace, workers);
  }
}
