import { ObjectId } from 'mongodb';
import type { Pool } from 'pg';
import { logsOf, newPerson, WATCHED_SOURCES } from './e2e-stores.ts';
import type { E2eStores, Person } from './e2e-stores.ts';
import type { IdsyncProcess } from './idsync-process.ts';
import { seedUsers } from './supabase.ts';
import type { TestSupabase } from './supabase.ts';
import { waitFor } from './wait-for.ts';

/*
 * Beside e2e-stores.ts, for an `idsync start` that syncs Supabase too: people with a Supabase user
 * in a test's namespace (test/support/supabase.ts), and whether all four of their records link.
 */

/** What `idsync start` watches with PLATFORMS naming all four systems. */
export const WATCHED_SOURCES_WITH_SUPABASE: readonly string[] = [...WATCHED_SOURCES, 'supabase.auth.users'];

export interface SupabasePerson extends Person {
  /** The Supabase user's id. */
  readonly supabase: string;
}

/**
 * `count` people, each a confirmed Supabase user (created now, through the shared server's admin
 * API) with an address in the namespace, and the ids their CRM, OmniStack and Bookmaster records
 * will get (written later, by `stores.writePeople`).
 */
export async function seedSupabasePeople(supabase: TestSupabase, count: number): Promise<SupabasePerson[]> {
  const ids = await seedUsers(supabase, count);
  // seedUsers gives user `index` the address `n<index>@<domain>`.
  return ids.map((id, index) => ({ ...newPerson(), email: supabase.email(`n${index}`), supabase: id }));
}

/** How many of `people` have all four records linked to one another (Supabase read through `pool`). */
export async function countLinkedWithSupabase(stores: E2eStores, pool: Pool, people: readonly SupabasePerson[]): Promise<number> {
  const supabaseLinked = await linkedToSupabase(stores, pool, people);
  // The other three systems' links to one another, for those whose Supabase links all hold.
  return stores.countLinked(people.filter((person) => supabaseLinked.has(person.supabase)));
}

/** The Supabase ids of the people whose Supabase user and three other records link each other. */
async function linkedToSupabase(stores: E2eStores, pool: Pool, people: readonly SupabasePerson[]): Promise<Set<string>> {
  const objectIds = (key: 'crm' | 'omnistack') => people.map((person) => new ObjectId(person[key]));
  const crm = await stores.crm.collection('User').find({ _id: { $in: objectIds('crm') } }, { projection: { externalIds: 1 } }).toArray();
  const omni = await stores.omnistack.collection('users').find({ _id: { $in: objectIds('omnistack') } }, { projection: { external_ids: 1 } }).toArray();
  const bookmaster = await stores.bookmaster.query<{ id: string; external_ids: Record<string, unknown> | null }>('select id, external_ids from users where id = any($1::text[])', [
    people.map((person) => person.bookmaster),
  ]);
  const users = await pool.query<{ id: string; links: Record<string, unknown> | null }>(
    "select id::text as id, raw_app_meta_data -> 'external_ids' as links from auth.users where id = any($1::uuid[])",
    [people.map((person) => person.supabase)],
  );
  const crmLinks = new Map(crm.map((doc) => [String(doc._id), (doc.externalIds ?? {}) as Record<string, unknown>]));
  const omniLinks = new Map(omni.map((doc) => [String(doc._id), (doc.external_ids ?? []) as unknown[]]));
  const bmLinks = new Map(bookmaster.rows.map((row) => [row.id, row.external_ids ?? {}]));
  const userLinks = new Map(users.rows.map((row) => [row.id, row.links ?? {}]));
  const holds = (person: SupabasePerson) => {
    const user = userLinks.get(person.supabase);
    return (
      user?.crm === person.crm &&
      user.omnistack === person.omnistack &&
      user.bookmaster === person.bookmaster &&
      crmLinks.get(person.crm)?.supabase === person.supabase &&
      omniLinks.get(person.omnistack)?.includes(`supabase_${person.supabase}`) === true &&
      bmLinks.get(person.bookmaster)?.supabase === person.supabase
    );
  };
  return new Set(people.filter(holds).map((person) => person.supabase));
}

/** Waits until `process` has logged 'watching' for every source, Supabase's included. */
export async function waitForWatchingWithSupabase(process: IdsyncProcess, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    'every source, Supabase included, to be watched',
    () => WATCHED_SOURCES_WITH_SUPABASE.every((source) => logsOf(process, 'watching').some((entry) => entry.source === source)),
    { timeoutMs },
  );
}
