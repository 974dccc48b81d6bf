import type { Platform, RecordKey } from '../ids/index.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import { DEFAULT_MAX_RECORDS } from '../reconcile/gather.ts';
import { gatherSteps } from '../reconcile/gather-steps.ts';
import type { GatherLookup, LookupAnswer } from '../reconcile/gather-steps.ts';
import type { PersonGroup } from './audit-model.ts';
import { NO_LINK } from './platform-columns.ts';
import { scanStoreOf } from './scan-store-builder.ts';
import type { ScanStore } from './scan-store.ts';

/*
 * Groups scanned records into people in memory by running gather's own traversal
 * (src/reconcile/gather-steps.ts) with the scan store answering its look-ups instead of the
 * systems and the link index: no round trip per person, and for the origin the audit enqueues, a
 * reconcile gathers exactly the same records. Origins are taken in PLATFORMS-then-id order (CRM
 * records first); a record another person's gather already reached does not start a person of its
 * own. gather is not symmetric (an email match is refused only from the side it would contradict),
 * so a record may belong to two groups.
 */

export interface GroupOptions {
  /** gather's bound on the records of one person. Default: 32 (gather's own). */
  maxRecords?: number;
}

/** A group whose gather would stop at the bound: planned by no one, reported as oversized. */
export interface OversizedGroup extends PersonGroup {
  readonly oversized: true;
}

/** The people among `records`, for a caller that holds them all already (the audit pass streams its scan into a store instead). */
export function groupPeople(records: readonly PersonRecord[], scanned: readonly Platform[], options: GroupOptions = {}): Generator<PersonGroup | OversizedGroup> {
  return groupStore(scanStoreOf(records, scanned), options);
}

/**
 * The people, one at a time: a caller that keeps only what it needs of each group holds no more
 * than the store. Each group is computed when asked for, in origin order; only its records are
 * objects.
 */
export function* groupStore(store: ScanStore, options: GroupOptions = {}): Generator<PersonGroup | OversizedGroup> {
  const maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
  // One byte per record: reached by a gather already.
  const reached = new Map(store.scanned.map((platform) => [platform, new Uint8Array(store.size(platform))]));
  for (const platform of store.scanned) {
    const own = reached.get(platform) as Uint8Array;
    for (let ordinal = 0; ordinal < own.length; ordinal += 1) {
      if (own[ordinal] === 1) continue;
      const group = gatherInMemory(store, { platform, id: store.idAt(platform, ordinal) }, maxRecords);
      for (const { record } of group.records) (reached.get(record.platform) as Uint8Array)[store.find(record.platform, record.id)] = 1;
      yield group;
    }
  }
}

function gatherInMemory(store: ScanStore, origin: RecordKey, maxRecords: number): PersonGroup | OversizedGroup {
  const steps = gatherSteps(origin, store.scanned, maxRecords);
  let step = steps.next();
  while (!step.done) step = steps.next(answerFromStore(store, step.value));
  const { records, absent, overLimit } = step.value;
  return overLimit ? { origin, records, absent, oversized: true } : { origin, records, absent };
}

/** The store answers as the systems and the link index would. */
function answerFromStore(store: ScanStore, lookup: GatherLookup): LookupAnswer {
  if (lookup.kind === 'holders') {
    return { records: [], keys: lookup.platforms.flatMap((platform) => lookup.emails.flatMap((email) => store.holdersOf(platform, email))) };
  }
  const records: PersonRecord[] = [];
  for (const key of lookup.keys) {
    const ordinal = store.find(key.platform, key.id);
    if (ordinal !== NO_LINK) records.push(store.record(key.platform, ordinal));
  }
  return { records, keys: lookup.claimersOf.flatMap((key) => store.claimersOf(key.platform, key.id)) };
}
