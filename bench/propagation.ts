import { ObjectId } from 'mongodb';
import { openFloorStream } from './floor-stream.ts';
import { waitLinked } from './linked-times.ts';
import { createNamespace, profileEnv, startRole, teardown, waitFor, waitForNamespaceWatched } from './namespace.ts';
import type { BenchNamespace, BenchPerson, IdsyncProcess, System } from './namespace.ts';
import { distribution } from './stats.ts';
import type { Distribution } from './stats.ts';
import { cpuUsage, peakRssMiB, snapshotCpu } from './system.ts';

/*
 * Scenarios 1 and 2: the real pipeline (`idsync start --role watchers` plus N `--role workers`
 * processes) linking CRM users written at a steady rate, then a burst for the saturated rate.
 * A person counts as linked at the last reconcile that wrote for them (the 'reconciled' log line,
 * written after its compare-and-set writes landed); the run checks every person's links at the end.
 */

const BURST_CHUNK = 500;
const LINK_TIMEOUT_MS = 600_000;
const MS_PER_SECOND = 1_000;

export interface PhaseResult {
  readonly people: number;
  readonly seconds: number;
  /** People fully linked per second over the phase. */
  readonly linkedPerSecond: number;
  /** Every reconcile job (the echoes the watcher could not recognise included) per second over the phase. */
  readonly reconcilesPerSecond: number;
  /** Every profile propagated per second over the phase: in a reconcile that settled the person anew, or by a `propagate profile` job. */
  readonly profilesPerSecond: number;
  /** The floor: insert events the bare loop received per second over the same phase. */
  readonly floorPerSecond: number;
  /** Cores used per process group over the phase. */
  readonly cpu: Record<string, number>;
}

export interface PropagationResult {
  readonly workerProcesses: number;
  readonly systems: readonly System[];
  readonly rate: number;
  readonly achievedRate: number;
  readonly latencyMs: Distribution;
  readonly floorMs: Distribution;
  readonly latencies: number[];
  readonly floor: number[];
  readonly steady: PhaseResult;
  readonly burst: PhaseResult;
  readonly linkedAtEnd: number;
  readonly peakRssMiB: Record<string, number>;
  /**
   * The watcher's sweeps (a reconcile for every record of a collection, which it runs only when a
   * stream's history is lost, so none in a healthy run) and the records they enqueued.
   */
  readonly sweeps: { readonly count: number; readonly recordsEnqueued: number };
}

interface Running {
  readonly namespace: BenchNamespace;
  readonly watchers: IdsyncProcess;
  readonly workers: readonly IdsyncProcess[];
  readonly names: ReadonlyMap<number, string>;
}

export interface PropagationOptions {
  readonly workerProcesses: number;
  /** CRM users written one at a time at `rate` per second, then `burst` more as fast as possible. */
  readonly writes: number;
  readonly rate: number;
  readonly burst: number;
  /** Sync Supabase (four systems, its changes watched by logical replication) rather than three. */
  readonly withSupabase: boolean;
  /** Where each worker process writes a CPU profile (none when undefined). */
  readonly profileDir: string | undefined;
}

export async function runPropagation(options: PropagationOptions): Promise<PropagationResult> {
  const { workerProcesses, rate } = options;
  const namespace = await createNamespace(options.withSupabase);
  const steadyPeople = Array.from({ length: options.writes }, namespace.newPerson);
  const burstPeople = Array.from({ length: options.burst }, namespace.newPerson);
  // The twins exist before idsync starts, so the only events are the CRM inserts and idsync's own writes.
  await namespace.writePeople([...steadyPeople, ...burstPeople], namespace.systems.filter((system) => system !== 'crm'));
  const children: IdsyncProcess[] = [];
  try {
    const watchers = await startRole(namespace, 'watchers');
    children.push(watchers);
    for (let index = 0; index < workerProcesses; index += 1) children.push(await startRole(namespace, 'workers', profileEnv(options.profileDir)));
    await waitForNamespaceWatched(namespace, watchers, LINK_TIMEOUT_MS);
    const names = new Map<number, string>([[process.pid, 'bench (writer + floor loop)'], [watchers.child.pid ?? 0, 'idsync watchers']]);
    children.slice(1).forEach((child, index) => names.set(child.child.pid ?? 0, `idsync worker ${index + 1}`));
    const running: Running = { namespace, watchers, workers: children.slice(1), names };
    const { stores } = namespace;
    const floor = await openFloorStream(stores.crm.collection('User'));
    const steady = await steadyPhase(running, steadyPeople, rate, floor.arrivals);
    const burstPhase = await burstPhaseOf(running, burstPeople, floor.arrivals);
    await floor.close();
    const linkedAtEnd = await namespace.countLinked([...steadyPeople, ...burstPeople]);
    const peak: Record<string, number> = {};
    for (const child of children) peak[names.get(child.child.pid ?? 0) ?? 'idsync'] = Number(peakRssMiB(child.child.pid ?? 0).toFixed(1));
    const swept = watchers.logs.filter((entry) => entry.msg === 'backfill enqueued');
    const sweeps = { count: swept.length, recordsEnqueued: swept.reduce((sum, entry) => sum + Number(entry.enqueued ?? 0), 0) };
    return { workerProcesses, systems: namespace.systems, rate, ...steady.result, burst: burstPhase, linkedAtEnd, peakRssMiB: peak, sweeps };
  } finally {
    await teardown(namespace, children);
  }
}

/** The workers' log lines `msg` (one per job) between two times. */
function jobsBetween(workers: readonly IdsyncProcess[], msg: string, from: number, to: number): number {
  return workers.reduce((sum, worker) => sum + worker.logs.filter((entry) => entry.msg === msg && Number(entry.time) >= from && Number(entry.time) <= to).length, 0);
}

async function steadyPhase(running: Running, people: readonly BenchPerson[], rate: number, arrivals: ReadonlyMap<string, number>) {
  const users = running.namespace.stores.crm.collection('User');
  const writtenAt = new Map<string, number>();
  const inserts: Array<Promise<unknown>> = [];
  const cpuBefore = snapshotCpu();
  const startedAt = Date.now();
  for (const [index, person] of people.entries()) {
    // One reading of the clock: two could straddle the due time and ask for a negative timeout.
    const wait = startedAt + (index * MS_PER_SECOND) / rate - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    writtenAt.set(person.crm, Date.now());
    inserts.push(users.insertOne({ _id: new ObjectId(person.crm), email: person.email, role: 'SALES' }));
  }
  await Promise.all(inserts);
  const writeSeconds = (Date.now() - startedAt) / MS_PER_SECOND;
  const times = await waitLinked(running.workers, people, LINK_TIMEOUT_MS);
  const cpu = cpuUsage(cpuBefore, snapshotCpu(), running.names);
  const latencies = people.map((person) => (times.get(person.crm) ?? Number.NaN) - (writtenAt.get(person.crm) ?? Number.NaN));
  const floor = people.map((person) => (arrivals.get(person.crm) ?? Number.NaN) - (writtenAt.get(person.crm) ?? Number.NaN));
  const steady = phaseResult(running, people, { linkedAt: times, arrivals, startedAt, cpu });
  return { result: { achievedRate: people.length / writeSeconds, latencyMs: distribution(latencies), floorMs: distribution(floor), latencies, floor, steady } };
}

async function burstPhaseOf(running: Running, people: readonly BenchPerson[], arrivals: ReadonlyMap<string, number>): Promise<PhaseResult> {
  const users = running.namespace.stores.crm.collection('User');
  const cpuBefore = snapshotCpu();
  const startedAt = Date.now();
  for (let start = 0; start < people.length; start += BURST_CHUNK) {
    const chunk = people.slice(start, start + BURST_CHUNK);
    await users.insertMany(chunk.map((person) => ({ _id: new ObjectId(person.crm), email: person.email, role: 'SALES' })));
  }
  const times = await waitLinked(running.workers, people, LINK_TIMEOUT_MS);
  const cpu = cpuUsage(cpuBefore, snapshotCpu(), running.names);
  await waitFor('the floor loop to see every insert', () => people.every((person) => arrivals.has(person.crm)), { timeoutMs: LINK_TIMEOUT_MS });
  return phaseResult(running, people, { linkedAt: times, arrivals, startedAt, cpu });
}

interface PhaseTimes {
  /** When each person (by CRM id) was linked, and when the floor loop saw their insert. */
  readonly linkedAt: ReadonlyMap<string, number>;
  readonly arrivals: ReadonlyMap<string, number>;
  readonly startedAt: number;
  readonly cpu: Record<string, number>;
}

/** A phase's rates: from its start to the last person linked, and to the floor loop's last arrival. */
function phaseResult(running: Running, people: readonly BenchPerson[], phase: PhaseTimes): PhaseResult {
  const endedAt = Math.max(...people.map((person) => phase.linkedAt.get(person.crm) ?? 0));
  const lastArrival = Math.max(...people.map((person) => phase.arrivals.get(person.crm) ?? 0));
  const seconds = (endedAt - phase.startedAt) / MS_PER_SECOND;
  return {
    people: people.length,
    seconds,
    linkedPerSecond: people.length / seconds,
    reconcilesPerSecond: jobsBetween(running.workers, 'reconciled', phase.startedAt, endedAt) / seconds,
    profilesPerSecond: jobsBetween(running.workers, 'profile propagated', phase.startedAt, endedAt) / seconds,
    floorPerSecond: people.length / ((lastArrival - phase.startedAt) / MS_PER_SECOND),
    cpu: phase.cpu,
  };
}
