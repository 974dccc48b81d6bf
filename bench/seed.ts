import { ObjectId } from 'mongodb';
import type { E2eStores } from './namespace.ts';

/*
 * Bulk seeding: multi-document inserts and one multi-row statement per chunk, the way the audit's
 * scale test seeds, so that seeding a namespace takes a few round trips per thousand people.
 */

export const SEED_CHUNK = 2_000;
/** Every this many people, the CRM record lacks its Bookmaster link: one missing-link issue each. */
export const UNLINKED_EVERY = 100;

/** `count` people linked every way across the three systems (every 100th with one link missing). */
export async function seedLinkedPeople(stores: E2eStores, count: number): Promise<void> {
  for (let start = 0; start < count; start += SEED_CHUNK) {
    const chunk = Array.from({ length: Math.min(SEED_CHUNK, count - start) }, (_, offset) => {
      const index = start + offset;
      return { index, crm: new ObjectId(), omnistack: new ObjectId(), bookmaster: `bm_${index.toString(36)}`, unlinked: index % UNLINKED_EVERY === 0 };
    });
    await stores.crm.collection('User').insertMany(
      chunk.map((person) => ({
        _id: person.crm,
        email: `crm-${person.index}@example.com`,
        role: 'SALES',
        externalIds: person.unlinked ? { omnistack: person.omnistack.toHexString() } : { omnistack: person.omnistack.toHexString(), bookmaster: person.bookmaster },
      })),
    );
    await stores.omnistack.collection('users').insertMany(
      chunk.map((person) => ({ _id: person.omnistack, email: `omni-${person.index}@example.com`, name: 'A', surname: 'B', external_ids: [`crm_${person.crm.toHexString()}`, person.bookmaster] })),
    );
    const rows = chunk.map((person) => ({ id: person.bookmaster, email: `bm-${person.index}@example.com`, external_ids: { crm: person.crm.toHexString(), omnistack: person.omnistack.toHexString() } }));
    await stores.bookmaster.query(
      'insert into users (id, email, external_ids) select id, email, external_ids from jsonb_to_recordset($1::jsonb) as r(id text, email text, external_ids jsonb)',
      [JSON.stringify(rows)],
    );
  }
}
