import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScanStoreBuilder } from '../../../src/audit/scan-store-builder.ts';
import type { RecordRef, ScanStore } from '../../../src/audit/scan-store.ts';
import { PLATFORMS } from '../../../src/ids/index.ts';
import type { Links, Platform, RecordKey } from '../../../src/ids/index.ts';
import { claims, claimsOf } from '../../../src/platforms/person-record.ts';
import type { PersonRecord } from '../../../src/platforms/person-record.ts';
import { compareRecords } from '../../../src/reconcile/plan/order.ts';
import { idOf, minutesIn } from '../reconcile/builders.ts';

/*
 * The scan store keeps records as columns and gives them back as objects: it must answer gather's
 * look-ups exactly as a search of the records themselves does, whatever the records hold. The data
 * sets here mix what the columns hold packed (latin1 or lower-case hex ids, one link per platform)
 * with everything they must keep some other way: ids and emails that are empty, too long or not
 * latin1, extra ids, unreadable entries, links to ids no record has, two records with one id,
 * records and links of a platform not scanned, snapshots or none. '«' is the byte the hex 'ab'
 * packs into, and a UUID's digits without its dashes the bytes it packs into: packed alike, they
 * would be taken for one another.
 */

const SCANNED: readonly Platform[] = ['crm', 'omnistack', 'bookmaster'];
const POOL_SIZE = 4;

/** A UUID, packed in 16 bytes, beside strings that are nearly one: its digits alone pack into the same bytes. */
const UUIDISH = [idOf('supabase', 1), idOf('supabase', 2), idOf('supabase', 1).replaceAll('-', ''), idOf('supabase', 10).toUpperCase(), `${idOf('supabase', 1).slice(0, 34)}-1`];
const oddTextArb = fc.oneof(fc.constantFrom('', 'Ünïcödé-ид', '\u{1F600}', 'x'.repeat(300), '\uD800', 'é', 'ab', '\u00ab', 'abc', 'ABCDEF', '0'.repeat(256), 'f'.repeat(254)), fc.constantFrom(...UUIDISH));
const idArb = (platform: Platform) =>
  fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: POOL_SIZE - 1 }).map((seq) => idOf(platform, seq)) }, { weight: 1, arbitrary: oddTextArb });
const emailArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 6, arbitrary: fc.constantFrom('a@example.com', 'b@example.com', 'c@example.com') },
  { weight: 1, arbitrary: oddTextArb },
);

function linksArb(): fc.Arbitrary<Links> {
  return fc.tuple(...PLATFORMS.map((platform) => fc.option(idArb(platform), { nil: undefined, freq: 2 }))).map((ids) => {
    const links: Links = {};
    PLATFORMS.forEach((platform, at) => {
      const id = ids[at];
      if (id !== undefined) links[platform] = id;
    });
    return links;
  });
}

const recordArb: fc.Arbitrary<PersonRecord> = fc.constantFrom(...PLATFORMS).chain((platform) =>
  fc.record({
    platform: fc.constant(platform),
    id: idArb(platform),
    email: emailArb,
    createdAt: fc.integer({ min: 0, max: 3 }).map(minutesIn),
    links: linksArb(),
    extraLinks: fc.oneof(
      { weight: 6, arbitrary: fc.constant({}) },
      { weight: 1, arbitrary: fc.constantFrom(...PLATFORMS).chain((target) => idArb(target).map((id) => ({ [target]: [id] }))) },
    ),
    unreadable: fc.oneof(
      { weight: 6, arbitrary: fc.constant([]) },
      { weight: 1, arbitrary: fc.constant([{ platform: 'crm' as const, value: 'junk', reason: 'bad-format' as const }]) },
    ),
    snapshot: fc.oneof(fc.constant(null), fc.nat().map((version) => ({ version }))),
  }),
);

/** The records in one list, and where the scan's batches end (the builder is handed them in that order). */
const scanArb = fc.tuple(fc.array(recordArb, { maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }));

function storeOf(records: readonly PersonRecord[], batchSizes: readonly number[], keepSnapshots = true): ScanStore {
  const builder = new ScanStoreBuilder(SCANNED, { keepSnapshots });
  for (let start = 0, at = 0; start < records.length; at += 1) {
    const size = batchSizes[at % batchSizes.length] as number;
    builder.add(records.slice(start, start + size));
    start += size;
  }
  return builder.finish();
}

/** What the store must hold: the scanned platforms' records, the first read of each key, in PLATFORMS-then-id order. */
function keptRecords(records: readonly PersonRecord[]): PersonRecord[] {
  const seen = new Set<string>();
  const kept = records.filter((record) => {
    const key = `${record.platform} ${record.id}`;
    if (!SCANNED.includes(record.platform) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return kept.sort(compareRecords);
}

const keyOf = (record: PersonRecord): RecordKey => ({ platform: record.platform, id: record.id });
const keyIn =
  (store: ScanStore) =>
  ({ platform, ordinal }: RecordRef): RecordKey => ({ platform, id: store.idAt(platform, ordinal) });

/** Every key and email worth asking about: those the records hold or claim, and some nobody has. */
function questions(records: readonly PersonRecord[]): { keys: RecordKey[]; emails: string[] } {
  const keys = [...records.map(keyOf), ...records.flatMap(claimsOf), ...SCANNED.map((platform) => ({ platform, id: idOf(platform, POOL_SIZE + 1) }))];
  const emails = [...records.flatMap((record) => (record.email === null ? [] : [record.email])), 'nobody@example.com'];
  return { keys, emails };
}

describe('the scan store', () => {
  it('answers get, claimersOf and holdersOf exactly as a search of the records does', () => {
    fc.assert(
      fc.property(scanArb, ([records, batchSizes]) => {
        const store = storeOf(records, batchSizes);
        const kept = keptRecords(records);
        const { keys, emails } = questions(records);
        for (const { platform, id } of keys.filter((key) => SCANNED.includes(key.platform))) {
          const ordinal = store.find(platform, id);
          const record = kept.find((candidate) => candidate.platform === platform && candidate.id === id);
          expect(ordinal === -1 ? undefined : store.record(platform, ordinal)).toEqual(record);
          expect(store.claimersOf(platform, id).map(keyIn(store))).toEqual(kept.filter((candidate) => claims(candidate, platform, id)).map(keyOf));
        }
        for (const platform of SCANNED) {
          for (const email of emails) expect(store.holdersOf(platform, email).map(keyIn(store))).toEqual(kept.filter((record) => record.platform === platform && record.email === email).map(keyOf));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('lists every kept record in PLATFORMS-then-id order, and counts what the scan read', () => {
    fc.assert(
      fc.property(scanArb, ([records, batchSizes]) => {
        const store = storeOf(records, batchSizes);
        const listed = store.scanned.flatMap((platform) => Array.from({ length: store.size(platform) }, (_, ordinal) => store.record(platform, ordinal)));
        expect(listed).toEqual(keptRecords(records));
        const scanned = records.filter((record) => SCANNED.includes(record.platform));
        for (const platform of SCANNED) expect(store.records[platform]).toBe(scanned.filter((record) => record.platform === platform).length || undefined);
        expect(store.links).toBe(scanned.flatMap(claimsOf).filter((claim) => SCANNED.includes(claim.platform)).length);
      }),
    );
  });

  it('hands back the snapshots it was told to keep, and none otherwise', () => {
    fc.assert(
      fc.property(scanArb, ([records, batchSizes]) => {
        const kept = keptRecords(records);
        const withSnapshots = storeOf(records, batchSizes, true);
        const without = storeOf(records, batchSizes, false);
        for (const record of kept) {
          expect(withSnapshots.record(record.platform, withSnapshots.find(record.platform, record.id)).snapshot).toBe(record.snapshot);
          expect(without.record(record.platform, without.find(record.platform, record.id))).toEqual({ ...record, snapshot: null });
        }
      }),
    );
  });

  it('keeps apart ids whose packed bytes are alike: the hex "ab" and the latin1 "\u00ab"', () => {
    const record = (id: string): PersonRecord => ({ platform: 'crm', id, email: null, createdAt: minutesIn(0), links: {}, extraLinks: {}, unreadable: [], snapshot: null });
    const store = storeOf([record('ab'), record('\u00ab')], [2]);
    expect([store.idAt('crm', 0), store.idAt('crm', 1)]).toEqual(['ab', '\u00ab']);
    expect([store.find('crm', 'ab'), store.find('crm', '\u00ab')]).toEqual([0, 1]);
  });

  it('keeps apart a UUID and its digits without the dashes, which pack into the same bytes', () => {
    const uuid = idOf('supabase', 1);
    const record = (id: string): PersonRecord => ({ platform: 'crm', id, email: null, createdAt: minutesIn(0), links: { supabase: id }, extraLinks: {}, unreadable: [], snapshot: null });
    const digits = uuid.replaceAll('-', '');
    const store = storeOf([record(digits), record(uuid)], [2]);
    // In id order the UUID comes first: '-' sorts before '0'.
    expect([store.idAt('crm', 0), store.idAt('crm', 1)]).toEqual([uuid, digits]);
    expect([store.find('crm', uuid), store.find('crm', digits)]).toEqual([0, 1]);
    expect([store.record('crm', 0).links, store.record('crm', 1).links]).toEqual([{ supabase: uuid }, { supabase: digits }]);
  });

  it('finds nothing on a platform it did not scan', () => {
    const store = storeOf([{ platform: 'supabase', id: idOf('supabase', 1), email: 'a@example.com', createdAt: minutesIn(0), links: {}, extraLinks: {}, unreadable: [], snapshot: null }], [1]);
    expect(store.find('supabase', idOf('supabase', 1))).toBe(-1);
    expect(store.holdersOf('supabase', 'a@example.com')).toEqual([]);
    expect(store.claimersOf('supabase', idOf('supabase', 1))).toEqual([]);
    expect(store.records).toEqual({});
  });
});
