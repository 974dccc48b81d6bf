import { PLATFORMS } from '../ids/index.ts';
import type { Platform, RecordKey } from '../ids/index.ts';
import { RecordKeyMap, uniqueKeys as unique } from '../ids/record-key-map.ts';
import { claimText as keyOf } from '../link-index/link-rows.ts';
import { claimsOf } from '../platforms/person-record.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import type { GatheredRecord } from './plan-model.ts';

/*
 * Gather's decisions, with no I/O: which records belong to a person. The traversal asks for what it
 * needs as values (records by key, claimers of keys, holders of emails) and is handed the answers,
 * so one algorithm serves the hot path (the systems read by primary key, the link index for the
 * rest) and the audit (its scan held in memory), and both gather exactly the same records.
 *
 * The answers about claimers and email holders are hints: every hinted record is read back and kept
 * only when what it holds confirms the hint, so a stale index never links anyone. Reads go in
 * rounds, each a batch per platform: the claimers of a key are asked in the same round that reads
 * the key, so a consistent person takes two rounds.
 */

export type GatherLookup =
  /** Read the records of `keys`; find the claimers of `claimersOf`. */
  | { readonly kind: 'read'; readonly keys: readonly RecordKey[]; readonly claimersOf: readonly RecordKey[] }
  /** Find the records of `platforms` holding any of `emails`. */
  | { readonly kind: 'holders'; readonly platforms: readonly Platform[]; readonly emails: readonly string[] };

export interface LookupAnswer {
  /** For a read: the records of its keys that exist. */
  readonly records: readonly PersonRecord[];
  /** For a read: by claimText of every key of its `claimersOf`, the records claiming it, as hints. */
  readonly claimers: ReadonlyMap<string, readonly RecordKey[]>;
  /** For holders: the holders, as hints. */
  readonly keys: readonly RecordKey[];
}

export interface GatherResult {
  readonly records: GatheredRecord[];
  /** Keys claimed by a gathered record (or the origin) that were read and do not exist. */
  readonly absent: RecordKey[];
  /** Every record read, whether or not it turned out to belong to the person. */
  readonly read: PersonRecord[];
  /** Every key read that does not exist. */
  readonly missing: RecordKey[];
  /** The person spans more than `maxRecords` records: gathering stopped there, and `records` holds those found first. */
  readonly overLimit: boolean;
}

export type GatherSteps = Generator<GatherLookup, GatherResult, LookupAnswer>;

interface Want {
  readonly key: RecordKey;
  /** A claimer hint must be confirmed by the record's own claims; the rest are wanted outright. */
  readonly as: 'origin' | 'claim' | 'claimer';
}

const platformOrder = (platform: Platform): number => PLATFORMS.indexOf(platform);
const compareKeys = (left: RecordKey, right: RecordKey): number =>
  platformOrder(left.platform) - platformOrder(right.platform) || (left.id < right.id ? -1 : left.id > right.id ? 1 : 0);

/**
 * From `origin`: every record it claims and every record claiming it, until closed; then, for each
 * searched platform still without a record, one linked by email when the email is unique there and
 * the match claims nothing that contradicts what was gathered. Stops at `maxRecords` records.
 */
export function* gatherSteps(origin: RecordKey, platforms: readonly Platform[], maxRecords: number): GatherSteps {
  const traversal = new Traversal(PLATFORMS.filter((platform) => platforms.includes(platform)), maxRecords);
  try {
    yield* traversal.follow([{ key: origin, as: 'origin' }], []);
    for (const platform of traversal.platforms) {
      if (traversal.hasPlatform(platform)) continue;
      const match = yield* traversal.emailMatch(platform);
      if (match && !traversal.contradicts(match)) {
        traversal.add(match, 'email-match');
        yield* traversal.follow(traversal.claimsOf(match), [match]);
      }
    }
  } catch (error) {
    if (!(error instanceof LimitReached)) throw error;
    return traversal.result(true);
  }
  return traversal.result(false);
}

/** The answer of a round not asked: nothing read, no claimers. */
const NOTHING: LookupAnswer = { records: [], claimers: new Map(), keys: [] };

/** Thrown by the traversal's add past the bound, caught by gatherSteps alone. */
class LimitReached extends Error {}

class Traversal {
  readonly platforms: readonly Platform[];
  readonly #maxRecords: number;
  readonly #found: GatheredRecord[] = [];
  readonly #foundKeys = new RecordKeyMap<true>();
  readonly #absent = new RecordKeyMap<true>();
  /** Every key read: its record, or null when it does not exist. */
  readonly #read = new RecordKeyMap<PersonRecord | null>();
  readonly #missing = new RecordKeyMap<true>();
  readonly #claimersAsked = new RecordKeyMap<true>();
  /** Claimers asked for ahead of their record being followed (an email match's), not yet followed. */
  readonly #prefetched = new RecordKeyMap<readonly RecordKey[]>();
  /** Per `platform email`, the records read back that hold it. */
  readonly #holders = new Map<string, PersonRecord[]>();

  constructor(platforms: readonly Platform[], maxRecords: number) {
    this.platforms = platforms;
    this.#maxRecords = maxRecords;
  }

  /** Reads rounds until no want is left and every gathered record's claimers were asked for. */
  *follow(wants: Want[], accepted: PersonRecord[]): Generator<GatherLookup, void, LookupAnswer> {
    let pending = accepted.filter((record) => this.#owesClaimers(record));
    while (wants.length > 0 || pending.length > 0) {
      const keys = unique(wants.map((want) => want.key)).filter((key) => this.#searched(key) && !this.#read.has(key));
      const claimersOf = unique([...keys, ...pending]).filter((key) => !this.#claimersAsked.has(key)).map(({ platform, id }) => ({ platform, id }));
      const known = pending.flatMap((record) => this.#takePrefetched(record));
      for (const key of claimersOf) this.#claimersAsked.set(key, true);
      // Nothing to read and every claimer known already: no round at all.
      const answer = keys.length > 0 || claimersOf.length > 0 ? yield { kind: 'read', keys, claimersOf } : NOTHING;
      this.#remember(keys, answer.records);
      const added = this.#accept(wants);
      pending = added.filter((record) => this.#owesClaimers(record));
      const hinted = [...known];
      for (const claimers of answer.claimers.values()) hinted.push(...claimers);
      const hints = unique(hinted).filter((key) => this.#searched(key)).sort(compareKeys);
      wants = [];
      for (const record of added) wants.push(...this.claimsOf(record));
      for (const key of hints) wants.push({ key, as: 'claimer' });
    }
  }

  /**
   * The first of the person's emails (in the order found) that exactly one record of `platform`
   * holds. The holders are asked for this platform and every later one still without a record at
   * once, so a person missing on several platforms costs one look-up, not one per platform.
   */
  *emailMatch(platform: Platform): Generator<GatherLookup, PersonRecord | undefined, LookupAnswer> {
    const emails = this.#emails();
    const later = this.platforms.slice(this.platforms.indexOf(platform)).filter((candidate) => !this.hasPlatform(candidate));
    const unknown = emails.filter((email) => later.some((candidate) => !this.#holders.has(`${candidate} ${email}`)));
    if (unknown.length > 0) yield* this.#findHolders(later, unknown);
    for (const email of emails) {
      const holders = this.#holders.get(`${platform} ${email}`) ?? [];
      if (holders.length === 1) return holders[0];
    }
    return undefined;
  }

  /**
   * The holders are read with their claimers: a holder that becomes an email match is followed
   * without a round of its own for them.
   */
  *#findHolders(platforms: readonly Platform[], emails: readonly string[]): Generator<GatherLookup, void, LookupAnswer> {
    const hinted = unique((yield { kind: 'holders', platforms, emails }).keys).filter((key) => this.#searched(key));
    const keys = hinted.filter((key) => !this.#read.has(key));
    if (keys.length > 0) {
      const answer = yield { kind: 'read', keys, claimersOf: keys };
      this.#remember(keys, answer.records);
      for (const key of keys) {
        this.#claimersAsked.set(key, true);
        this.#prefetched.set(key, answer.claimers.get(keyOf(key)) ?? []);
      }
    }
    for (const platform of platforms) for (const email of emails) this.#holders.set(`${platform} ${email}`, []);
    for (const key of hinted.sort(compareKeys)) {
      const record = this.#read.get(key);
      if (record?.email != null && platforms.includes(record.platform) && emails.includes(record.email)) {
        this.#holders.get(`${record.platform} ${record.email}`)?.push(record);
      }
    }
  }

  add(record: PersonRecord, reachedBy: GatheredRecord['reachedBy']): boolean {
    if (this.#foundKeys.has(record)) return false;
    if (this.#found.length >= this.#maxRecords) throw new LimitReached();
    this.#found.push({ record, reachedBy });
    this.#foundKeys.set(record, true);
    return true;
  }

  claimsOf(record: PersonRecord): Want[] {
    return claimsOf(record).map((key): Want => ({ key, as: 'claim' }));
  }

  hasPlatform(platform: Platform): boolean {
    return this.#found.some(({ record }) => record.platform === platform);
  }

  /** True when `candidate` claims, for a platform already gathered, a record that was not gathered. */
  contradicts(candidate: PersonRecord): boolean {
    return claimsOf(candidate).some((claim) => this.hasPlatform(claim.platform) && !this.#foundKeys.has(claim));
  }

  result(overLimit: boolean): GatherResult {
    const read = this.#read.values().filter((record): record is PersonRecord => record !== null);
    return { records: this.#found, absent: this.#absent.keys(), read, missing: this.#missing.keys(), overLimit };
  }

  #accept(wants: readonly Want[]): PersonRecord[] {
    const added: PersonRecord[] = [];
    for (const want of wants) {
      const record = this.#read.get(want.key);
      if (record === undefined) continue;
      if (record === null) {
        if (want.as !== 'claimer' && !this.#foundKeys.has(want.key)) this.#absent.set(want.key, true);
      } else if (want.as !== 'claimer' || this.#claimsGathered(record)) {
        if (this.add(record, want.as === 'origin' ? 'origin' : 'id-claim')) added.push(record);
      }
    }
    return added;
  }

  /** Whether `record` claims a gathered record of another platform: what makes a claimer hint true. */
  #claimsGathered(record: PersonRecord): boolean {
    return claimsOf(record).some((claim) => claim.platform !== record.platform && this.#foundKeys.has(claim));
  }

  /** Whether `record`'s claimers are still to be followed: never asked, or asked ahead and not yet taken. */
  #owesClaimers(record: PersonRecord): boolean {
    return !this.#claimersAsked.has(record) || this.#prefetched.has(record);
  }

  /** The claimers asked ahead for `record`, taken once. */
  #takePrefetched(record: PersonRecord): readonly RecordKey[] {
    const known = this.#prefetched.get(record) ?? [];
    this.#prefetched.delete(record);
    return known;
  }

  #remember(keys: readonly RecordKey[], records: readonly PersonRecord[]): void {
    const byKey = new RecordKeyMap<PersonRecord>();
    for (const record of records) byKey.set(record, record);
    for (const key of keys) {
      const record = byKey.get(key) ?? null;
      this.#read.set(key, record);
      if (record === null) this.#missing.set(key, true);
    }
  }

  #searched(key: RecordKey): boolean {
    return this.platforms.includes(key.platform);
  }

  #emails(): string[] {
    const emails: string[] = [];
    for (const { record } of this.#found) if (record.email !== null && !emails.includes(record.email)) emails.push(record.email);
    return emails;
  }
}

