import { ObjectId } from 'mongodb';
import type { BenchNamespace } from './namespace.ts';

/*
 * Bulk seeding: multi-document inserts and one multi-row statement per chunk, the way the audit's
 * scale test seeds, so that seeding a namespace takes a few round trips per thousand people.
 */

export const SEED_CHUNK = 2_000;
/** Every this many people, the CRM record lacks its Bookmaster link: one missing-link issue each. */
export const UNLINKED_EVERY = 100;

interface SeededPerson {
  readonly index: number;
  readonly crm: ObjectId;
  readonly omnistack: ObjectId;
  readonly bookmaster: string;
  /** null where Supabase is not synced. */
  readonly supabase: string | null;
  readonly unlinked: boolean;
}

/** `count` people linked every way across the synced systems (every 100th with one link missing). */
export async function seedLinkedPeople(namespace: BenchNamespace, count: number): Promise<void> {
  const { stores, supabase } = namespace;
  for (let start = 0; start < count; start += SEED_CHUNK) {
    const chunk = Array.from({ length: Math.min(SEED_CHUNK, count - start) }, (_, offset): SeededPerson => {
      const index = start + offset;
      return { index, crm: new ObjectId(), omnistack: new ObjectId(), bookmaster: `bm_${index.toString(36)}`, supabase: supabase?.newId() ?? null, unlinked: index % UNLINKED_EVERY === 0 };
    });
    await stores.crm.collection('User').insertMany(chunk.map(crmUser));
    await stores.omnistack.collection('users').insertMany(
      chunk.map((person) => ({
        _id: person.omnistack,
        email: `omni-${person.index}@example.com`,
        name: 'A',
        surname: 'B',
        external_ids: [`crm_${person.crm.toHexString()}`, person.bookmaster, ...(person.supabase ? [`supabase_${person.supabase}`] : [])],
      })),
    );
    const rows = chunk.map((person) => ({ id: person.bookmaster, email: `bm-${person.index}@example.com`, external_ids: idsExcept(person, 'bookmaster') }));
    await stores.bookmaster.query(
      'insert into users (id, email, external_ids) select id, email, external_ids from jsonb_to_recordset($1::jsonb) as r(id text, email text, external_ids jsonb)',
      [JSON.stringify(rows)],
    );
    if (supabase) {
      await supabase.insertUsers(chunk.map((person) => ({ id: person.supabase as string, email: supabase.email(`sb-${person.index}`), externalIds: idsExcept(person, 'supabase') })));
    }
  }
}

/** The person's ids on every synced platform but `own`: the map a Bookmaster or Supabase record holds. */
function idsExcept(person: SeededPerson, own: 'bookmaster' | 'supabase'): Record<string, string> {
  const ids: Array<[string, string | null]> = [['crm', person.crm.toHexString()], ['omnistack', person.omnistack.toHexString()], ['bookmaster', person.bookmaster], ['supabase', person.supabase]];
  return Object.fromEntries(ids.filter((entry): entry is [string, string] => entry[0] !== own && entry[1] !== null));
}

function crmUser(person: SeededPerson) {
  const links: Record<string, string> = { omnistack: person.omnistack.toHexString() };
  if (!person.unlinked) links.bookmaster = person.bookmaster;
  if (person.supabase) links.supabase = person.supabase;
  return { _id: person.crm, email: `crm-${person.index}@example.com`, role: 'SALES', externalIds: links, ...(person.supabase ? { supabaseId: person.supabase } : {}) };
}
