import { PLATFORMS } from '../ids/index.ts';
import type { Platform, RecordKey } from '../ids/index.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import { claimsOf } from '../platforms/person-record.ts';
import { compareRecords, recordKeyOf } from '../reconcile/plan/order.ts';
import type { GatheredRecord } from '../reconcile/plan-model.ts';
import type { PersonGroup } from './audit-model.ts';

/*
 * Groups scanned records into people in memory by running gather's own algorithm (SPEC §4 step 1,
 * src/reconcile/gather.ts) against indexes of the scan instead of the databases: no round trip per
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

interface RecordIndex {
  readonly byKey: ReadonlyMap<string, PersonRecord>;
  /** Per claimed key, the records claiming it, per claimer platform, in id order (findClaiming). */
  readonly claimers: ReadonlyMap<string, readonly PersonRecord[]>;
  /** Per platform and email, the records holding it (findByEmail). */
  readonly byEmail: ReadonlyMap<Platform, ReadonlyMap<string, readonly PersonRecord[]>>;
  readonly scanned: readonly Platform[];
}

const DEFAULT_MAX_RECORDS = 32;

export function groupPeople(records: readonly PersonRecord[], scanned: readonly Platform[], options: GroupOptions = {}): Array<PersonGroup | OversizedGroup> {
  const index = indexRecords(records, scanned);
  const maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
  const reached = new Set<string>();
  const groups: Array<PersonGroup | OversizedGroup> = [];
  for (const origin of [...index.byKey.values()].sort(compareRecords)) {
    if (reached.has(recordKeyOf(origin.platform, origin.id))) continue;
    const group = gatherInMemory(index, origin, maxRecords);
    for (const { record } of group.records) reached.add(recordKeyOf(record.platform, record.id));
    groups.push(group);
  }
  return groups;
}

function indexRecords(input: readonly PersonRecord[], scanned: readonly Platform[]): RecordIndex {
  const byKey = new Map<string, PersonRecord>();
  for (const record of input) {
    const key = recordKeyOf(record.platform, record.id);
    if (scanned.includes(record.platform) && !byKey.has(key)) byKey.set(key, record);
  }
  const sorted = [...byKey.values()].sort(compareRecords);
  const claimers = new Map<string, PersonRecord[]>();
  const byEmail = new Map<Platform, Map<string, PersonRecord[]>>(scanned.map((platform) => [platform, new Map()]));
  for (const record of sorted) {
    for (const claim of new Set(claimsOf(record).map((key) => recordKeyOf(key.platform, key.id)))) push(claimers, claim, record);
    const emails = byEmail.get(record.platform);
    if (record.email !== null && emails) push(emails, record.email, record);
  }
  return { byKey, claimers, byEmail, scanned: PLATFORMS.filter((platform) => scanned.includes(platform)) };
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
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

class MemoryGather {
  readonly #index: RecordIndex;
  readonly #maxRecords: number;
  readonly #found = new Map<string, GatheredRecord>();
  readonly #absent = new Map<string, RecordKey>();
  readonly #pending: PersonRecord[] = [];
  readonly #expanded = new Set<string>();

  constructor(index: RecordIndex, maxRecords: number) {
    this.#index = index;
    this.#maxRecords = maxRecords;
  }

  add(record: PersonRecord, reachedBy: GatheredRecord['reachedBy']): void {
    const key = recordKeyOf(record.platform, record.id);
    if (this.#found.has(key)) return;
    if (this.#found.size >= this.#maxRecords) throw new GatherLimit();
    this.#found.set(key, { record, reachedBy });
    this.#pending.push(record);
  }

  /** Follows claims both ways until closed: get() on every claim, findClaiming() on every platform. */
  close(): void {
    for (let record = this.#pending.shift(); record; record = this.#pending.shift()) {
      const key = recordKeyOf(record.platform, record.id);
      if (this.#expanded.has(key)) continue;
      this.#expanded.add(key);
      for (const claim of claimsOf(record)) this.#visit(claim);
      const claimers = this.#index.claimers.get(key) ?? [];
      for (const platform of this.#index.scanned) {
        if (platform === record.platform) continue;
        for (const claimer of claimers) if (claimer.platform === platform) this.add(claimer, 'id-claim');
      }
    }
  }

  #visit(claim: RecordKey): void {
    if (!this.#index.scanned.includes(claim.platform)) return;
    const key = recordKeyOf(claim.platform, claim.id);
    if (this.#found.has(key) || this.#absent.has(key)) return;
    const record = this.#index.byKey.get(key);
    if (record) this.add(record, 'id-claim');
    else this.#absent.set(key, claim);
  }

  hasPlatform(platform: Platform): boolean {
    return [...this.#found.values()].some(({ record }) => record.platform === platform);
  }

  /** The first of the person's emails (in the order found) that names exactly one record there. */
  uniqueEmailMatch(platform: Platform): PersonRecord | undefined {
    const emails = new Set([...this.#found.values()].map(({ record }) => record.email).filter((email): email is string => email !== null));
    for (const email of emails) {
      const holders = this.#index.byEmail.get(platform)?.get(email) ?? [];
      if (holders.length === 1) return holders[0];
    }
    return undefined;
  }

  contradicts(candidate: PersonRecord): boolean {
    return claimsOf(candidate).some((claim) => this.hasPlatform(claim.platform) && !this.#found.has(recordKeyOf(claim.platform, claim.id)));
  }

  group(origin: PersonRecord): PersonGroup {
    return { origin: { platform: origin.platform, id: origin.id }, records: [...this.#found.values()], absent: [...this.#absent.values()] };
  }
}
