import { ObjectId } from 'mongodb';
import type { Document } from 'mongodb';
import { createE2eStores, newPerson as newThreePerson, WATCHED_SOURCES } from './e2e-stores.ts';
import type { E2eServers, E2eStores, Person, WriteCounter } from './e2e-stores.ts';
import { runIdsync } from './idsync-process.ts';
import type { IdsyncProcess } from './idsync-process.ts';
import { findLeaks, ledgerTexts, processTexts } from './leak-check.ts';
import type { Leak, Secrets } from './leak-check.ts';
import { dropReplication, testConfig } from './services.ts';
import { localServiceRoleKey, openTestSupabase } from './supabase.ts';
import type { AuthServerAt, TestSupabase } from './supabase.ts';
import { cleanUp } from './clean-up.ts';

/*
 * The stores of e2e-stores.ts plus a Supabase namespace (an email domain of the shared auth
 * server, test/support/supabase.ts), for `idsync` child processes that sync all four systems.
 * Only for tests under `describeWithAuthServer`.
 */

export const ALL_PLATFORMS = 'crm,omnistack,supabase,bookmaster';
/** Every source an `idsync start` of all four systems watches. */
export const WATCHED_SOURCES_WITH_SUPABASE: readonly string[] = [...WATCHED_SOURCES, 'supabase.auth.users'];

export type FourSystem = 'crm' | 'omnistack' | 'supabase' | 'bookmaster';
export const FOUR_SYSTEMS: readonly FourSystem[] = ['crm', 'omnistack', 'supabase', 'bookmaster'];

/** A person with a record in each of the four systems. */
export interface FourPerson extends Person {
  readonly supabase: string;
}

export interface SupabaseE2e {
  readonly stores: E2eStores;
  readonly supabase: TestSupabase;
  /** What an `idsync` child process needs: every variable set (Supabase's too), LOG_LEVEL=debug. */
  readonly env: Record<string, string>;
  /** Every process `run` started, in order: the logs a test reads for secrets. */
  readonly processes: readonly IdsyncProcess[];
  /** Runs `idsync <args>` on these stores. */
  run(args: string[]): IdsyncProcess;
  /** Ids for the CRM, OmniStack and Bookmaster, and an email in the Supabase namespace (so dispose removes its user). */
  newPerson(): Person;
  /** The systems whose record references the person's three other records, in that system's own format. */
  linkedIn(person: FourPerson): Promise<FourSystem[]>;
  /** How many of `people` are linked in all four systems (linkedIn for each, every store read once). */
  countLinkedInFour(people: readonly FourPerson[]): Promise<number>;
  /** Counts every write to the three stores and to the namespace's Supabase users from now on. */
  countWrites(): Promise<WriteCounter>;
  /**
   * Stops every process (so their output is complete), then looks through all they wrote and every
   * text column of the ledger for the service-role key, any JWT-shaped string, any address in the
   * namespace (`@<domain>`, any case) and `more`.
   */
  leaks(more?: Partial<Secrets>): Promise<Leak[]>;
  /** Stops every process still running, then removes the replication slots, the Supabase users and the stores. */
  dispose(): Promise<void>;
}

/** The servers of e2e-stores.ts, plus the auth server (default: the shared one). */
export interface SupabaseE2eServers extends E2eServers {
  readonly auth?: AuthServerAt;
}

export async function createSupabaseE2e(overrides: Record<string, string> = {}, servers: SupabaseE2eServers = {}): Promise<SupabaseE2e> {
  const { authUrl, dbUrl } = servers.auth ?? testConfig().supabase;
  const supabase = await openTestSupabase('sb-e2e', { authUrl, dbUrl });
  let stores: E2eStores;
  try {
    stores = await createE2eStores({
      PLATFORMS: ALL_PLATFORMS,
      // Debug, so that the secrets test reads everything idsync can log.
      LOG_LEVEL: 'debug',
      SUPABASE_AUTH_URL: authUrl,
      SUPABASE_DB_URL: dbUrl,
      SUPABASE_SERVICE_ROLE_KEY: localServiceRoleKey(),
      SUPABASE_WATCH: 'replication',
      ...overrides,
    }, servers);
  } catch (error) {
    await supabase.dispose();
    throw error;
  }
  const slotPrefix = stores.env.REPLICATION_SLOT_PREFIX;
  // Never an empty prefix: it would name every slot and publication of the shared database.
  if (!slotPrefix) throw new Error('the stores have no replication slot prefix');
  const processes: IdsyncProcess[] = [];
  return {
    stores,
    supabase,
    env: stores.env,
    processes,
    run: (args) => {
      const started = runIdsync(args, stores.env);
      processes.push(started);
      return started;
    },
    newPerson: () => {
      const person = newThreePerson();
      return { ...person, email: supabase.email(person.email.split('@')[0]) };
    },
    linkedIn: (person) => linkedIn(stores, supabase, person),
    countLinkedInFour: (people) => countLinkedInFour(stores, supabase, people),
    countWrites: () => countWrites(stores, supabase),
    leaks: async (more = {}) => {
      await stopAll(processes);
      const texts = [...processTexts(processes), ...(await ledgerTexts(stores.ledger))];
      return findLeaks(texts, {
        exact: [localServiceRoleKey(), ...(more.exact ?? [])],
        anyCase: [`@${supabase.domain}`, ...(more.anyCase ?? [])],
      });
    },
    dispose: () =>
      cleanUp(
        () => stopAll(processes),
        () => dropReplication(dbUrl, slotPrefix),
        () => supabase.dispose(),
        () => stores.dispose(),
      ),
  };
}

async function stopAll(processes: readonly IdsyncProcess[]): Promise<void> {
  for (const running of processes) await running.stop('SIGTERM');
}

/** Each system's stored links of the records read, by record id. */
interface StoredLinks {
  readonly crm: ReadonlyMap<string, Document>;
  readonly omnistack: ReadonlyMap<string, unknown[]>;
  readonly supabase: ReadonlyMap<string, unknown>;
  readonly bookmaster: ReadonlyMap<string, unknown>;
}

async function linkedIn(stores: E2eStores, supabase: TestSupabase, person: FourPerson): Promise<FourSystem[]> {
  const crm = await stores.crm.collection('User').findOne({ _id: new ObjectId(person.crm) });
  const omni = await stores.omnistack.collection('users').findOne({ _id: new ObjectId(person.omnistack) });
  const { rows } = await stores.bookmaster.query<{ external_ids: unknown }>('select external_ids from users where id = $1', [person.bookmaster]);
  const user = await supabase.rawUser(person.supabase);
  return linkedSystems(person, {
    crm: new Map(crm ? [[person.crm, crm]] : []),
    omnistack: new Map(omni ? [[person.omnistack, (omni.external_ids ?? []) as unknown[]]] : []),
    supabase: new Map(user ? [[person.supabase, user.raw_app_meta_data?.external_ids]] : []),
    bookmaster: new Map(rows[0] ? [[person.bookmaster, rows[0].external_ids]] : []),
  });
}

async function countLinkedInFour(stores: E2eStores, supabase: TestSupabase, people: readonly FourPerson[]): Promise<number> {
  const crm = await stores.crm.collection('User').find({}, { projection: { externalIds: 1, supabaseId: 1 } }).toArray();
  const omni = await stores.omnistack.collection('users').find({}, { projection: { external_ids: 1 } }).toArray();
  const bookmaster = await stores.bookmaster.query<{ id: string; external_ids: unknown }>('select id, external_ids from users');
  const users = await supabase.pool.query<{ id: string; external_ids: unknown }>(
    "select id::text as id, raw_app_meta_data->'external_ids' as external_ids from auth.users where lower(btrim(email)) like $1",
    [`%@${supabase.domain}`],
  );
  const links: StoredLinks = {
    crm: new Map(crm.map((doc) => [String(doc._id), doc])),
    omnistack: new Map(omni.map((doc) => [String(doc._id), (doc.external_ids ?? []) as unknown[]])),
    supabase: new Map(users.rows.map((row) => [row.id, row.external_ids])),
    bookmaster: new Map(bookmaster.rows.map((row) => [row.id, row.external_ids])),
  };
  return people.filter((person) => linkedSystems(person, links).length === FOUR_SYSTEMS.length).length;
}

function linkedSystems(person: FourPerson, links: StoredLinks): FourSystem[] {
  const crm = links.crm.get(person.crm);
  const entries = links.omnistack.get(person.omnistack) ?? [];
  const holds: Record<FourSystem, boolean> = {
    crm: sameMap(crm?.externalIds, { omnistack: person.omnistack, supabase: person.supabase, bookmaster: person.bookmaster }) && crm?.supabaseId === person.supabase,
    omnistack: [`crm_${person.crm}`, `supabase_${person.supabase}`, person.bookmaster].every((entry) => entries.includes(entry)),
    supabase: sameMap(links.supabase.get(person.supabase), { crm: person.crm, omnistack: person.omnistack, bookmaster: person.bookmaster }),
    bookmaster: sameMap(links.bookmaster.get(person.bookmaster), { crm: person.crm, omnistack: person.omnistack, supabase: person.supabase }),
  };
  return FOUR_SYSTEMS.filter((system) => holds[system]);
}

function sameMap(stored: unknown, expected: Record<string, string>): boolean {
  if (typeof stored !== 'object' || stored === null) return false;
  return Object.entries(expected).every(([key, value]) => (stored as Record<string, unknown>)[key] === value);
}

/**
 * The three stores' counter plus the namespace's Supabase users by row version: any write to one
 * of them (idsync's admin calls, the auth server's own updates) changes its xmin.
 */
async function countWrites(stores: E2eStores, supabase: TestSupabase): Promise<WriteCounter> {
  const three = await stores.countWrites();
  const versions = async () =>
    (
      await supabase.pool.query<{ v: string }>(
        "select coalesce(string_agg(id::text || ':' || xmin::text, ',' order by id), '') as v from auth.users where lower(btrim(email)) like $1",
        [`%@${supabase.domain}`],
      )
    ).rows[0]?.v;
  const before = await versions();
  return {
    writes: async () => (await three.writes()) + ((await versions()) === before ? 0 : 1),
    close: () => three.close(),
  };
}
