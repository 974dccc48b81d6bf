import { ObjectId } from 'mongodb';
import type { Db } from 'mongodb';
import type { Pool } from 'pg';
import { insertBookmasterUser, insertCrmUser, insertOmnistackUser, newBookmasterId, newObjectId, newUuid } from '../../support/platform-seeders.ts';

/*
 * A data set with one person per kind of planted inconsistency (issue 6), among consistent people,
 * and the issues an audit must report for it: before any repair, and after the repairs ran.
 */

export interface ExpectedIssue {
  readonly kind: string;
  readonly personKey: string;
  readonly platform: string;
  readonly recordId: string | null;
  readonly detail: Record<string, unknown>;
}

export interface PlantedSet {
  readonly consistentCrmIds: readonly string[];
  readonly before: readonly ExpectedIssue[];
  readonly after: readonly ExpectedIssue[];
  /** CRM ids by planted case. */
  readonly crm: Readonly<Record<'missingLink' | 'conflict' | 'orphan' | 'malformed' | 'mismatch' | 'orphanUnrepairable' | 'missing', string>>;
}

interface Stores {
  crm: Db;
  omnistack: Db;
  bookmaster: Pool;
}

const crmKey = (id: string) => `crm:${id}`;

/** An ObjectId created `secondsAgo` before now: OmniStack's "most recent" is its ObjectId's time. */
function objectIdAged(secondsAgo: number): string {
  return new ObjectId(ObjectId.generate(Math.floor(Date.now() / 1000) - secondsAgo)).toHexString();
}

interface Person {
  crm: string;
  omnistack: string;
  bookmaster: string;
}

function newPerson(): Person {
  return { crm: newObjectId(), omnistack: newObjectId(), bookmaster: newBookmasterId() };
}

async function insertPerson(stores: Stores, person: Person, overrides: { crm?: object; omnistack?: object; bookmaster?: object | null } = {}): Promise<void> {
  await insertCrmUser(stores.crm, { id: person.crm, externalIds: { omnistack: person.omnistack, bookmaster: person.bookmaster }, ...overrides.crm });
  await insertOmnistackUser(stores.omnistack, { id: person.omnistack, externalIds: [`crm_${person.crm}`, person.bookmaster], ...overrides.omnistack });
  if (overrides.bookmaster !== null) {
    await insertBookmasterUser(stores.bookmaster, { id: person.bookmaster, externalIds: { crm: person.crm, omnistack: person.omnistack }, ...overrides.bookmaster });
  }
}

export async function seedPlanted(stores: Stores, consistentPeople = 3): Promise<PlantedSet> {
  const consistent = Array.from({ length: consistentPeople }, newPerson);
  for (const person of consistent) await insertPerson(stores, person);

  // Missing link: the CRM and OmniStack records do not name the Bookmaster record that names both.
  const p2 = newPerson();
  await insertPerson(stores, p2, { crm: { externalIds: { omnistack: p2.omnistack } }, omnistack: { externalIds: [`crm_${p2.crm}`] } });

  // ID mismatch: the CRM names an older OmniStack record, a newer one (and Bookmaster) names the CRM.
  const p3 = { ...newPerson(), omnistack: objectIdAged(10) };
  const p3older = objectIdAged(3600);
  await insertPerson(stores, p3, { crm: { externalIds: { omnistack: p3older, bookmaster: p3.bookmaster } } });
  await insertOmnistackUser(stores.omnistack, { id: p3older, externalIds: [`crm_${p3.crm}`] });

  // Orphan reference (repairable): a second CRM id in OmniStack's array, of a CRM user that is gone.
  const p4 = newPerson();
  const deletedCrm = newObjectId();
  await insertPerson(stores, p4, { omnistack: { externalIds: [`crm_${p4.crm}`, `crm_${deletedCrm}`, p4.bookmaster] } });

  // Malformed id: Bookmaster's map holds junk for the CRM link.
  const p5 = newPerson();
  await insertPerson(stores, p5, { bookmaster: { externalIds: { crm: 'not-an-id', omnistack: p5.omnistack } } });

  // supabaseId differs from externalIds.supabase (Supabase cannot be read here: not repairable).
  const p6 = newPerson();
  const [mapSupabase, fieldSupabase] = [newUuid(), newUuid()];
  await insertPerson(stores, p6, { crm: { externalIds: { omnistack: p6.omnistack, bookmaster: p6.bookmaster, supabase: mapSupabase }, supabaseId: fieldSupabase } });

  // Orphan reference (not repairable by reconcile) and a person missing from Bookmaster.
  const p7 = newPerson();
  await insertPerson(stores, p7, { bookmaster: null, omnistack: { externalIds: [`crm_${p7.crm}`] } });

  // A person missing from a system: no Bookmaster record, and nobody names one.
  const p8 = newPerson();
  await insertPerson(stores, p8, { bookmaster: null, crm: { externalIds: { omnistack: p8.omnistack } }, omnistack: { externalIds: [`crm_${p8.crm}`] } });

  const unrepairable: ExpectedIssue[] = [
    { kind: 'supabase-id-mismatch', personKey: crmKey(p6.crm), platform: 'crm', recordId: p6.crm, detail: { recordId: p6.crm, mapId: mapSupabase, supabaseIds: [fieldSupabase] } },
    { kind: 'orphan', personKey: crmKey(p7.crm), platform: 'crm', recordId: p7.crm, detail: { recordId: p7.crm, claimedPlatform: 'bookmaster', claimedId: p7.bookmaster } },
    { kind: 'missing', personKey: crmKey(p7.crm), platform: 'bookmaster', recordId: null, detail: {} },
    { kind: 'missing', personKey: crmKey(p8.crm), platform: 'bookmaster', recordId: null, detail: {} },
  ];
  const before: ExpectedIssue[] = [
    { kind: 'missing-link', personKey: crmKey(p2.crm), platform: 'crm', recordId: p2.crm, detail: { recordId: p2.crm, linkPlatform: 'bookmaster', linkId: p2.bookmaster } },
    { kind: 'missing-link', personKey: crmKey(p2.crm), platform: 'omnistack', recordId: p2.omnistack, detail: { recordId: p2.omnistack, linkPlatform: 'bookmaster', linkId: p2.bookmaster } },
    { kind: 'conflict', personKey: crmKey(p3.crm), platform: 'omnistack', recordId: null, detail: { candidates: [p3older, p3.omnistack].sort(), winner: p3.omnistack, policy: 'newest' } },
    { kind: 'orphan', personKey: crmKey(p4.crm), platform: 'omnistack', recordId: p4.omnistack, detail: { recordId: p4.omnistack, claimedPlatform: 'crm', claimedId: deletedCrm } },
    { kind: 'malformed-id', personKey: crmKey(p5.crm), platform: 'bookmaster', recordId: p5.bookmaster, detail: { recordId: p5.bookmaster, claimedPlatform: 'crm', reason: 'bad-format' } },
    ...unrepairable,
  ];
  // The conflict's loser, no longer named by anyone, is a person of its own with no CRM or Bookmaster record.
  const loser = `omnistack:${p3older}`;
  const after: ExpectedIssue[] = [
    ...unrepairable,
    { kind: 'missing', personKey: loser, platform: 'crm', recordId: null, detail: {} },
    { kind: 'missing', personKey: loser, platform: 'bookmaster', recordId: null, detail: {} },
  ];
  return {
    consistentCrmIds: consistent.map((person) => person.crm),
    before,
    after,
    crm: { missingLink: p2.crm, conflict: p3.crm, orphan: p4.crm, malformed: p5.crm, mismatch: p6.crm, orphanUnrepairable: p7.crm, missing: p8.crm },
  };
}

/** A sortable text form of an issue, for exact set comparisons. */
export function issueSignature(issue: ExpectedIssue): string {
  const detail = Object.fromEntries(Object.entries(issue.detail).sort(([left], [right]) => left.localeCompare(right)));
  return JSON.stringify([issue.kind, issue.personKey, issue.platform, issue.recordId, detail]);
}
