import { spawn } from 'node:child_process';
import path from 'node:path';
import { START_FLAGS } from '../bin/start-flags.js';
import { cleanUp } from '../test/support/clean-up.ts';
import { createE2eStores, newPerson as newThreeSystemPerson, WATCHED_SOURCES, waitForWatching } from '../test/support/e2e-stores.ts';
import { WATCHED_SOURCES_WITH_SUPABASE } from '../test/support/e2e-supabase.ts';
import type { E2eStores, Person } from '../test/support/e2e-stores.ts';
import { runIdsync } from '../test/support/idsync-process.ts';
import type { IdsyncProcess } from '../test/support/idsync-process.ts';
import { waitFor } from '../test/support/wait-for.ts';
import { openSupabaseNamespace } from './supabase.ts';
import type { SupabaseNamespace } from './supabase.ts';

/*
 * A namespace of the bench's own on the local services (CRM and OmniStack databases, Bookmaster
 * and ledger databases, a queue prefix, a replication slot prefix: the end-to-end tests' stores),
 * plus an email domain of the shared Supabase Auth server where it runs, and the real `idsync`
 * command started in it as child processes.
 */

export type { E2eStores } from '../test/support/e2e-stores.ts';
export type { IdsyncProcess } from '../test/support/idsync-process.ts';

export type System = 'crm' | 'omnistack' | 'supabase' | 'bookmaster';
const THREE_SYSTEMS: readonly System[] = ['crm', 'omnistack', 'bookmaster'];
const FOUR_SYSTEMS: readonly System[] = ['crm', 'omnistack', 'supabase', 'bookmaster'];

/** A person's ids in every system (the Supabase one unused where Supabase is not synced). */
export interface BenchPerson extends Person {
  readonly supabase: string;
}

export interface BenchNamespace {
  readonly stores: E2eStores;
  /** null where the auth server does not run: the namespace then syncs three systems. */
  readonly supabase: SupabaseNamespace | null;
  /** What an idsync child needs, PLATFORMS included. */
  readonly env: Record<string, string>;
  /** The systems synced, in PLATFORMS order. */
  readonly systems: readonly System[];
  /** A person whose email is in the namespace (its Supabase domain, where there is one). */
  newPerson(): BenchPerson;
  /** Writes each person's record in `systems` (default: every synced one), unlinked, one statement per system. */
  writePeople(people: readonly BenchPerson[], systems?: readonly System[]): Promise<void>;
  /** How many of `people` have a record in every synced system referencing each of their others. */
  countLinked(people: readonly BenchPerson[]): Promise<number>;
  /** Removes everything the namespace holds. Safe to call twice. */
  dispose(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;

/*
 * What the run has open, for a signal to remove (removeEverythingOpen): a run stopped with Ctrl-C
 * or SIGTERM would otherwise leave its databases, its queues, its idsync processes and, in the
 * shared Supabase database, its users behind.
 */
const childrenOpen = new Set<{ stop(): Promise<unknown> }>();
const namespacesOpen = new Set<BenchNamespace>();

/** How long a child stopped by a signal may take to finish its jobs before it is killed. */
const STOP_GRACE_MS = 30_000;

function track(child: { stop(): Promise<unknown> }, exited: Promise<unknown>): void {
  childrenOpen.add(child);
  void exited.then(() => childrenOpen.delete(child));
}

/** SIGTERM (an idsync process lets its jobs in flight finish), then SIGKILL after STOP_GRACE_MS. */
async function stopWithin(child: IdsyncProcess): Promise<void> {
  const timer = setTimeout(() => void child.stop('SIGKILL'), STOP_GRACE_MS);
  try {
    await child.stop('SIGTERM');
  } finally {
    clearTimeout(timer);
  }
}

/** Stops every child process still running, then removes every namespace not yet removed. */
export async function removeEverythingOpen(): Promise<void> {
  await Promise.allSettled([...childrenOpen].map((child) => child.stop()));
  for (const namespace of namespacesOpen) await namespace.dispose().catch(() => undefined);
}
/** A CPU profile's sampling interval, in µs: a sample every 10 ms keeps an hour-long backfill's profile small. */
const PROFILE_INTERVAL_US = 10_000;

export async function createNamespace(withSupabase: boolean): Promise<BenchNamespace> {
  const supabase = withSupabase ? await openSupabaseNamespace() : null;
  const systems = supabase ? FOUR_SYSTEMS : THREE_SYSTEMS;
  let stores: E2eStores;
  try {
    stores = await createE2eStores({ PLATFORMS: systems.join(','), ...supabase?.env });
  } catch (error) {
    await supabase?.dispose(null);
    throw error;
  }
  let disposed: Promise<void> | undefined;
  const namespace: BenchNamespace = {
    stores,
    supabase,
    env: stores.env,
    systems,
    newPerson: () => {
      const person = newThreeSystemPerson();
      const email = supabase ? supabase.email(person.email.split('@')[0] ?? 'person') : person.email;
      return { ...person, email, supabase: supabase?.newId() ?? '' };
    },
    writePeople: async (people, written = systems) => {
      await stores.writePeople(people, written.filter((system) => system !== 'supabase'));
      if (supabase && written.includes('supabase')) await supabase.insertUsers(people.map((person) => ({ id: person.supabase, email: person.email })));
    },
    countLinked: (people) => countLinked(stores, supabase, systems, people),
    dispose: () =>
      (disposed ??= cleanUp(
        () => supabase?.dispose(stores.env.REPLICATION_SLOT_PREFIX ?? null),
        () => namespacesOpen.delete(namespace),
        () => stores.dispose(),
      )),
  };
  namespacesOpen.add(namespace);
  return namespace;
}

type LinkReader = (person: BenchPerson, other: System) => boolean;

/** Every system's links read once, then each person checked against them. */
async function countLinked(stores: E2eStores, supabase: SupabaseNamespace | null, systems: readonly System[], people: readonly BenchPerson[]): Promise<number> {
  const crm = await stores.crm.collection('User').find({}, { projection: { externalIds: 1 } }).toArray();
  const omnistack = await stores.omnistack.collection('users').find({}, { projection: { external_ids: 1 } }).toArray();
  const { rows } = await stores.bookmaster.query<{ id: string; external_ids: Record<string, unknown> | null }>('select id, external_ids from users');
  const crmMaps = new Map(crm.map((doc) => [String(doc._id), (doc.externalIds ?? {}) as Record<string, unknown>]));
  const omniEntries = new Map(omnistack.map((doc) => [String(doc._id), (doc.external_ids ?? []) as unknown[]]));
  const bookmasterMaps = new Map(rows.map((row) => [row.id, row.external_ids ?? {}]));
  const supabaseMaps = (await supabase?.linkMaps()) ?? new Map<string, Record<string, unknown>>();
  // OmniStack keeps prefixed entries (`crm_<id>`, `supabase_<id>`) and Bookmaster's raw id.
  const readers: Record<System, LinkReader> = {
    crm: (person, other) => crmMaps.get(person.crm)?.[other] === person[other],
    omnistack: (person, other) => omniEntries.get(person.omnistack)?.includes(other === 'bookmaster' ? person.bookmaster : `${other}_${person[other]}`) === true,
    supabase: (person, other) => supabaseMaps.get(person.supabase)?.[other] === person[other],
    bookmaster: (person, other) => bookmasterMaps.get(person.bookmaster)?.[other] === person[other],
  };
  return people.filter((person) => systems.every((system) => systems.every((other) => other === system || readers[system](person, other)))).length;
}

/**
 * Starts `idsync start --role <role>` and waits for its 'idsync started' line, `timeoutMs` at most
 * (default: a minute; the workers' first start indexes every record of the stores before that line).
 */
export async function startRole(namespace: Pick<BenchNamespace, 'env'>, role: 'watchers' | 'workers', extraEnv: Record<string, string> = {}, timeoutMs = START_TIMEOUT_MS): Promise<IdsyncProcess> {
  const child = runIdsync(['start', '--role', role], { ...namespace.env, ...extraEnv });
  track({ stop: () => stopWithin(child) }, child.exited);
  try {
    await child.waitForLog('idsync started', timeoutMs);
  } catch (error) {
    // Not yet the caller's to stop: left running, it would outlive the run (and keep it from exiting).
    await child.stop('SIGTERM');
    throw error;
  }
  return child;
}

/** Waits until `watchers` watches every source of the namespace (Supabase's users too where it is synced). */
export async function waitForNamespaceWatched(namespace: Pick<BenchNamespace, 'supabase'>, watchers: IdsyncProcess, timeoutMs: number): Promise<void> {
  await waitForWatching(watchers, timeoutMs, namespace.supabase ? WATCHED_SOURCES_WITH_SUPABASE : WATCHED_SOURCES);
}

/** The environment that makes a Node child write a CPU profile into `dir` when it exits (none without a dir). */
export function profileEnv(dir: string | undefined): Record<string, string> {
  return dir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir} --cpu-prof-interval=${PROFILE_INTERVAL_US}` } : {};
}

/** Stops every child (SIGTERM, waiting for each), then removes the namespace, each step on its own. */
export function teardown(namespace: BenchNamespace, children: readonly IdsyncProcess[]): Promise<void> {
  return cleanUp(...children.map((child) => () => child.stop('SIGTERM')), () => namespace.dispose());
}

/** Runs an `idsync` command to its end; resolves with its stdout, rejects on a non-zero exit. */
export async function runCommand(args: string[], env: Record<string, string>): Promise<string> {
  const child = runIdsync(args, env);
  track({ stop: () => stopWithin(child) }, child.exited);
  const code = await child.exited;
  if (code !== 0) throw new Error(`idsync ${args.join(' ')} exited ${code}: ${child.stderr().slice(-500)}`);
  return child.logs.map((entry) => ('raw' in entry ? String(entry.raw) : JSON.stringify(entry))).join('\n');
}

export interface ChildResult<T> {
  readonly result: T;
  readonly pid: number;
}

/** Runs a bench module as a Node child with `env`; its last stdout line is its JSON result. */
export async function runBenchChild<T>(module: string, env: Record<string, string>): Promise<ChildResult<T>> {
  // The V8 flags `idsync start` runs with: the child stands in for a worker.
  const child = spawn(process.execPath, [...START_FLAGS, path.join(import.meta.dirname, module)], { env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const stop = () => {
    child.kill('SIGTERM');
    return exited;
  };
  track({ stop }, exited);
  const code = await exited;
  if (code !== 0) throw new Error(`${module} exited ${code}`);
  const last = stdout.trim().split('\n').at(-1) ?? '{}';
  return { result: JSON.parse(last) as T, pid: child.pid ?? 0 };
}

export { waitFor };
