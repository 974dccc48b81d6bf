import type { Platform, RecordKey } from '../ids/index.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import { claimsOf } from '../platforms/person-record.ts';
import type { GatheredRecord } from '../reconcile/plan-model.ts';
import type { PersonGroup } from './audit-model.ts';
import { RecordIndex } from './record-index.ts';

/*
 * Groups scanned records into people in memory by running gather's own algorithm
 * (src/reconcile/gather.ts) against indexes of the scan instead of the databases: no round trip per
 * person, and for the origin the audit enqueues, a reconcile gathers exactly the same records.
 * Origins are taken in PLATFORMS-then-id order (CRM records first); a record another person's
 * gather already reached does not start a person of its own. gather is not symmetric (an email
 * match is refused only from the side it would contradict), so a record may belong to two groups.
 */

export interface GroupOptions {
  /** gather's bound on the records of one person. Default: 32 (gather's own). */
  maxRecords?: number;
}

/** A group whose gather would stop at the bound: planned by no one, reported as oversized. */
export interface OversizedGroup extends PersonGroup {
  readonly oversized: true;
}

const DEFAULT_MAX_RECORDS = 32;

/**
 * The people, one at a time: a caller that keeps only what it needs of each group holds no more
 * than the scan and its index. Each group is computed when asked for, in origin order.
 */
export function* groupPeople(records: readonly PersonRecord[], scanned: readonly Platform[], options: GroupOptions = {}): Generator<PersonGroup | OversizedGroup> {
  const index = new RecordIndex(records, scanned);
  const maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
  // The index hands out its own record objects, so identity is enough to know one was reached.
  const reached = new Set<PersonRecord>();
  for (const origin of index.records) {
    if (reached.has(origin)) continue;
    const group = gatherInMemory(index, origin, maxRecords);
    for (const { record } of group.records) reached.add(record);
    yield group;
  }
}

class GatherLimit extends Error {}

/** gatherPerson (src/reconcile/gather.ts) step for step, with the indexes in place of the adapters. */
function gatherInMemory(index: RecordIndex, origin: PersonRecord, maxRecords: number): PersonGroup | OversizedGroup {
  const state = new MemoryGather(index, maxRecords);
  try {
    state.add(origin, 'origin');
    state.close();
    for (const platform of index.scanned) {
      if (state.hasPlatform(platform)) continue;
      const match = state.uniqueEmailMatch(platform);
      if (match && !state.contradicts(match)) {
        state.add(match, 'email-match');
        state.close();
      }
    }
  } catch (error) {
    if (!(error instanceof GatherLimit)) throw error;
    return { ...state.group(origin), oversized: true };
  }
  return state.group(origin);
}

/**
 * One person's gather. A person has a handful of records (at most `maxRecords`), so the state is
 * plain arrays searched by identity: the index hands out one object per record, and a set or map
 * per person would cost more to allocate than the searches it saves, a million times over.
 */
class MemoryGather {
  readonly #index: RecordIndex;
  readonly #maxRecords: number;
  readonly #found: GatheredRecord[] = [];
  readonly #absent: RecordKey[] = [];
  /** How many of #found have had their claims followed: each record is added, so expanded, once. */
  #expanded = 0;

  constructor(index: RecordIndex, maxRecords: number) {
    this.#index = index;
    this.#maxRecords = maxRecords;
  }

  add(record: PersonRecord, reachedBy: GatheredRecord['reachedBy']): void {
    if (this.#has(record)) return;
    if (this.#found.length >= this.#maxRecords) throw new GatherLimit();
    this.#found.push({ record, reachedBy });
  }

  /** Follows claims both ways until closed: get() on every claim, findClaiming() on every platform. */
  close(): void {
    for (; this.#expanded < this.#found.length; this.#expanded += 1) {
      const { record } = this.#found[this.#expanded] as GatheredRecord;
      for (const claim of claimsOf(record)) this.#visit(claim);
      const claimers = this.#index.claimersOf(record.platform, record.id);
      for (const platform of this.#index.scanned) {
        if (platform === record.platform) continue;
        for (const claimer of claimers) if (claimer.platform === platform) this.add(claimer, 'id-claim');
      }
    }
  }

  #visit(claim: RecordKey): void {
    if (!this.#index.scanned.includes(claim.platform)) return;
    const record = this.#index.get(claim.platform, claim.id);
    if (record) this.add(record, 'id-claim');
    else if (!this.#absent.some((key) => key.platform === claim.platform && key.id === claim.id)) this.#absent.push(claim);
  }

  #has(record: PersonRecord): boolean {
    return this.#found.some((entry) => entry.record === record);
  }

  hasPlatform(platform: Platform): boolean {
    return this.#found.some((entry) => entry.record.platform === platform);
  }

  /** The first of the person's emails (in the order found) that names exactly one record there. */
  uniqueEmailMatch(platform: Platform): PersonRecord | undefined {
    const tried: string[] = [];
    for (const { record: { email } } of this.#found) {
      if (email === null || tried.includes(email)) continue;
      tried.push(email);
      const holders = this.#index.holdersOf(platform, email);
      if (holders.length === 1) return holders[0];
    }
    return undefined;
  }

  contradicts(candidate: PersonRecord): boolean {
    return claimsOf(candidate).some((claim) => this.hasPlatform(claim.platform) && !this.#holds(claim));
  }

  #holds(claim: RecordKey): boolean {
    const record = this.#index.get(claim.platform, claim.id);
    return record !== undefined && this.#has(record);
  }

  group(origin: PersonRecord): PersonGroup {
    return { origin: { platform: origin.platform, id: origin.id }, records: this.#found, absent: this.#absent };
  }
}
