import { createNamespace, startRole, teardown, waitForNamespaceWatched } from './namespace.ts';
import type { BenchNamespace, BenchPerson, IdsyncProcess, System } from './namespace.ts';
import { openNamespaceQueues } from './queues.ts';
import { slope } from './stats.ts';
import { peakRssMiB, rssMiB } from './system.ts';

/*
 * The soak (issue 18): the real pipeline (`idsync start --role watchers` and one `--role workers`)
 * under a steady load for minutes. Each person's records are written in every synced system, one
 * statement per system, so the rate counts records written. Every SAMPLE_MS the soak reads each
 * process's resident set and the depth of the queues. After the last write it waits for the queues
 * to empty (DRAIN_BOUND_MS at most): a person not linked then is lost, one not linked while jobs are
 * still pending at the bound is only late, and both are reported.
 */

const SAMPLE_MS = 5_000;
/** Resident sets of the first minute are left out of the slope: the heap and the JIT warm up. */
const WARM_UP_MS = 60_000;
const DRAIN_BOUND_MS = 1_800_000;
const DRAIN_POLL_MS = 2_000;
const MS_PER_MINUTE = 60_000;
const MS_PER_SECOND = 1_000;
/** The jobs still to run: what a backlog is made of. */
const PENDING_STATES = ['waiting', 'active', 'delayed', 'prioritized'] as const;
const WATCHED_QUEUES = ['reconcile', 'propagate'] as const;

export interface SoakOptions {
  readonly minutes: number;
  /** Records written per second, across the synced systems. */
  readonly writesPerSecond: number;
  readonly withSupabase: boolean;
}

export interface SoakResult {
  readonly minutes: number;
  readonly systems: readonly System[];
  readonly targetWritesPerSecond: number;
  readonly achievedWritesPerSecond: number;
  readonly people: number;
  readonly linkedAtEnd: number;
  /** People not linked in every system once the queues were empty after the last write: must be 0. */
  readonly lost: number;
  /** People not linked at DRAIN_BOUND_MS while jobs were still pending (late, not lost). */
  readonly late: number;
  /** From the last write until no job was pending (the bound otherwise). */
  readonly drainSeconds: number;
  /** Jobs pending in the queues when the last write was made: the backlog the load built. */
  readonly backlogAtLastWrite: number;
  /** The most jobs pending at once in the reconcile and propagate queues together. */
  readonly maxQueueDepth: number;
  /** Per process: the resident set's least-squares growth after the warm-up, and its range. */
  readonly rss: Record<string, { slopeMiBPerMinute: number; firstMiB: number; lastMiB: number; peakMiB: number }>;
}

interface Sample {
  readonly at: number;
  readonly rssMiB: Record<string, number>;
  readonly queueDepth: number;
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const namespace = await createNamespace(options.withSupabase);
  const children: IdsyncProcess[] = [];
  try {
    const watchers = await startRole(namespace, 'watchers');
    children.push(watchers, await startRole(namespace, 'workers'));
    await waitForNamespaceWatched(namespace, watchers, DRAIN_BOUND_MS);
    const processes = { 'idsync watchers': watchers, 'idsync workers': children[1] as IdsyncProcess };
    const sampler = startSampler(namespace, processes);
    const written = await writeSteadily(namespace, options);
    const backlogAtLastWrite = await sampler.depth();
    const drain = await drainAndCount(namespace, written.people, sampler.depth);
    const samples = await sampler.stop();
    return {
      minutes: options.minutes,
      systems: namespace.systems,
      targetWritesPerSecond: options.writesPerSecond,
      achievedWritesPerSecond: written.writes / written.seconds,
      people: written.people.length,
      linkedAtEnd: drain.linked,
      lost: drain.pending === 0 ? written.people.length - drain.linked : 0,
      late: drain.pending === 0 ? 0 : written.people.length - drain.linked,
      drainSeconds: drain.seconds,
      backlogAtLastWrite,
      maxQueueDepth: Math.max(0, ...samples.map((sample) => sample.queueDepth)),
      rss: rssFigures(samples, processes),
    };
  } finally {
    await teardown(namespace, children);
  }
}

/** A person every `systems / rate` seconds until the time is up; each person's writes are not awaited one by one. */
async function writeSteadily(namespace: BenchNamespace, options: SoakOptions): Promise<{ people: BenchPerson[]; writes: number; seconds: number }> {
  const people: BenchPerson[] = [];
  const pending: Array<Promise<void>> = [];
  const everyMs = (namespace.systems.length * MS_PER_SECOND) / options.writesPerSecond;
  const startedAt = Date.now();
  const endsAt = startedAt + options.minutes * MS_PER_MINUTE;
  while (startedAt + people.length * everyMs < endsAt) {
    const wait = startedAt + people.length * everyMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const person = namespace.newPerson();
    people.push(person);
    pending.push(namespace.writePeople([person]));
  }
  await Promise.all(pending);
  return { people, writes: people.length * namespace.systems.length, seconds: (Date.now() - startedAt) / MS_PER_SECOND };
}

/**
 * Waits until no job is pending, DRAIN_BOUND_MS at most, then counts who is linked. The stores are
 * read once, at the end: counting reads every record, and the workers draining share the cores.
 */
async function drainAndCount(namespace: BenchNamespace, people: readonly BenchPerson[], depth: () => Promise<number>) {
  const startedAt = Date.now();
  let pending = await depth();
  while (pending > 0 && Date.now() - startedAt < DRAIN_BOUND_MS) {
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    pending = await depth();
  }
  // After the queues were seen empty: a person counted unlinked now has no job left to link them.
  const seconds = (Date.now() - startedAt) / MS_PER_SECOND;
  return { linked: await namespace.countLinked(people), pending, seconds };
}

/** Reads the processes' resident sets and the queues' depth every SAMPLE_MS until stopped. */
function startSampler(namespace: BenchNamespace, processes: Record<string, IdsyncProcess>): { depth(): Promise<number>; stop(): Promise<Sample[]> } {
  const opened = openNamespaceQueues(namespace.env, WATCHED_QUEUES);
  const { queues } = opened;
  const samples: Sample[] = [];
  let last: Promise<void> = Promise.resolve();
  const depth = async () => {
    const counts = await Promise.all(queues.map((queue) => queue.getJobCounts(...PENDING_STATES)));
    return counts.reduce((sum, byState) => sum + Object.values(byState).reduce((total, count) => total + count, 0), 0);
  };
  const take = async () => {
    const queueDepth = await depth();
    const rss = Object.fromEntries(Object.entries(processes).map(([name, process]) => [name, rssMiB(process.child.pid ?? 0)]));
    samples.push({ at: Date.now(), rssMiB: rss, queueDepth });
  };
  const timer = setInterval(() => {
    last = last.then(take);
  }, SAMPLE_MS);
  return {
    depth,
    stop: async () => {
      clearInterval(timer);
      await last.then(take);
      await opened.close();
      return samples;
    },
  };
}

function rssFigures(samples: readonly Sample[], processes: Record<string, IdsyncProcess>): SoakResult['rss'] {
  const warm = samples.filter((sample) => sample.at - (samples[0]?.at ?? 0) >= WARM_UP_MS);
  return Object.fromEntries(
    Object.entries(processes).map(([name, process]) => {
      const points = warm.map((sample) => [(sample.at - (warm[0]?.at ?? 0)) / MS_PER_MINUTE, sample.rssMiB[name] ?? Number.NaN] as const);
      const figures = {
        slopeMiBPerMinute: slope(points),
        firstMiB: samples[0]?.rssMiB[name] ?? Number.NaN,
        lastMiB: samples.at(-1)?.rssMiB[name] ?? Number.NaN,
        peakMiB: peakRssMiB(process.child.pid ?? 0),
      };
      return [name, figures];
    }),
  );
}
