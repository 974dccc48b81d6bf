import { PLATFORMS } from '../ids/index.ts';
import type { Platform, RecordKey } from '../ids/index.ts';
import { claimText } from '../link-index/link-rows.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import { DEFAULT_MAX_RECORDS } from '../reconcile/gather.ts';
import { gatherSteps } from '../reconcile/gather-steps.ts';
import type { GatherLookup, LookupAnswer } from '../reconcile/gather-steps.ts';
import { platformRank } from '../reconcile/plan/order.ts';
import type { PersonGroup } from './audit-model.ts';
import { NO_LINK } from './platform-columns.ts';
import type { RecordRef, ScanStore } from './scan-store.ts';

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
  /** gather's bound on the records of one person. Default: gather's own (DEFAULT_MAX_RECORDS). */
  maxRecords?: number;
}

/** A group whose gather would stop at the bound: planned by no one, reported as oversized. */
export interface OversizedGroup extends PersonGroup {
  readonly oversized: true;
}

/**
 * The people, one at a time: a caller that keeps only what it needs of each group holds no more
 * than the store. Each group is computed when asked for, in origin order; only the records its
 * gather reads are objects.
 */
export function* groupPeople(store: ScanStore, options: GroupOptions = {}): Generator<PersonGroup | OversizedGroup> {
  const maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
  // One byte per record: reached by a gather already.
  const reached = new Map(store.scanned.map((platform) => [platform, new Uint8Array(store.size(platform))]));
  for (const platform of store.scanned) {
    const own = reached.get(platform) as Uint8Array;
    for (let ordinal = 0; ordinal < own.length; ordinal += 1) {
      if (own[ordinal] === 1) continue;
      const reads = new GatherReads(store);
      const group = reads.gather(reads.keyOf({ platform, ordinal }), maxRecords);
      for (const { record } of group.records) (reached.get(record.platform) as Uint8Array)[reads.ordinalOf(record)] = 1;
      yield group;
    }
  }
}

/**
 * One gather answered by the store. It remembers the ordinal of each record it hands out and the
 * id of each record it has named, so that no id is read out of the columns twice in one gather
 * (the claimers of a person's records are mostly the records themselves).
 */
class GatherReads {
  readonly #store: ScanStore;
  readonly #ordinals = new Map<PersonRecord, number>();
  /** By ordinal times the number of platforms plus the platform's rank. */
  readonly #ids = new Map<number, string>();

  constructor(store: ScanStore) {
    this.#store = store;
  }

  gather(origin: RecordKey, maxRecords: number): PersonGroup | OversizedGroup {
    const steps = gatherSteps(origin, this.#store.scanned, maxRecords);
    let step = steps.next();
    while (!step.done) step = steps.next(this.#answer(step.value));
    const { records, absent, overLimit } = step.value;
    return overLimit ? { origin, records, absent, oversized: true } : { origin, records, absent };
  }

  /** The ordinal of a record this gather handed out. */
  ordinalOf(record: PersonRecord): number {
    return this.#ordinals.get(record) as number;
  }

  keyOf({ platform, ordinal }: RecordRef): RecordKey {
    return { platform, id: this.#idAt(platform, ordinal) };
  }

  /** An arrow function, since the store calls it back for each record's ids. */
  readonly #idAt = (platform: Platform, ordinal: number): string => {
    const slot = ordinal * PLATFORMS.length + platformRank(platform);
    let id = this.#ids.get(slot);
    if (id === undefined) this.#ids.set(slot, (id = this.#store.idAt(platform, ordinal)));
    return id;
  };

  /** The store answers as the systems and the link index would. */
  #answer(lookup: GatherLookup): LookupAnswer {
    const store = this.#store;
    if (lookup.kind === 'holders') {
      const holders = lookup.platforms.flatMap((platform) => lookup.emails.flatMap((email) => store.holdersOf(platform, email)));
      return { records: [], claimers: new Map(), keys: holders.map((ref) => this.keyOf(ref)) };
    }
    const records: PersonRecord[] = [];
    for (const { platform, id } of lookup.keys) {
      const ordinal = store.find(platform, id);
      if (ordinal === NO_LINK) continue;
      this.#ids.set(ordinal * PLATFORMS.length + platformRank(platform), id);
      const record = store.record(platform, ordinal, this.#idAt);
      this.#ordinals.set(record, ordinal);
      records.push(record);
    }
    const claimers = new Map(lookup.claimersOf.map((key) => [claimText(key), store.claimersOf(key.platform, key.id).map((ref) => this.keyOf(ref))]));
    return { records, claimers, keys: [] };
  }
}
