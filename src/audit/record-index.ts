import { PLATFORMS } from '../ids/index.ts';
import type { Platform } from '../ids/index.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import { claimedIds } from '../platforms/person-record.ts';
import { compareRecords } from '../reconcile/plan/order.ts';

/*
 * The audit's in-memory stand-in for the adapters' look-ups (get, getMany, claimers and email holders) over
 * every scanned record. It holds one entry per record, claimed id and email, so its size decides
 * how many people one audit can hold: keys are the strings the records already carry (no
 * `platform:id` string is built per entry), and a key held by one record maps to that record
 * itself, not to a one-element list, which is nearly every key.
 */

/** Values per string key, in insertion order; a key with one value stores it bare. */
class OneOrMany<V extends object> {
  readonly #entries = new Map<string, V | V[]>();

  add(key: string, value: V): void {
    const held = this.#entries.get(key);
    if (held === undefined) this.#entries.set(key, value);
    else if (Array.isArray(held)) held.push(value);
    else this.#entries.set(key, [held, value]);
  }

  get(key: string): readonly V[] {
    const held = this.#entries.get(key);
    if (held === undefined) return [];
    return Array.isArray(held) ? held : [held];
  }
}

export class RecordIndex {
  /** The scanned platforms, in PLATFORMS order. */
  readonly scanned: readonly Platform[];
  /** Every indexed record, in PLATFORMS-then-id order. */
  readonly records: readonly PersonRecord[];
  readonly #byId = new Map<Platform, Map<string, PersonRecord>>();
  /** Per claimed platform and id, the records claiming it, in PLATFORMS-then-id order. */
  readonly #claimers = new Map<Platform, OneOrMany<PersonRecord>>();
  readonly #byEmail = new Map<Platform, OneOrMany<PersonRecord>>();

  /** Indexes the records of scanned platforms; of two records with one key, the first is kept. */
  constructor(input: readonly PersonRecord[], scanned: readonly Platform[]) {
    this.scanned = PLATFORMS.filter((platform) => scanned.includes(platform));
    for (const platform of PLATFORMS) {
      this.#byId.set(platform, new Map());
      this.#claimers.set(platform, new OneOrMany());
      this.#byEmail.set(platform, new OneOrMany());
    }
    const kept = input.filter((record) => this.scanned.includes(record.platform) && this.#keep(record));
    this.records = kept.sort(compareRecords);
    for (const record of this.records) this.#indexLinks(record);
  }

  #keep(record: PersonRecord): boolean {
    const byId = this.#byId.get(record.platform) as Map<string, PersonRecord>;
    if (byId.has(record.id)) return false;
    byId.set(record.id, record);
    return true;
  }

  #indexLinks(record: PersonRecord): void {
    for (const platform of PLATFORMS) {
      const claimers = this.#claimers.get(platform) as OneOrMany<PersonRecord>;
      // Nearly every record claims one id per platform at most: no set to build for it.
      const extra = record.extraLinks[platform];
      const ids = extra === undefined || extra.length === 0 ? [record.links[platform]] : new Set(claimedIds(record, platform));
      for (const id of ids) if (id !== undefined) claimers.add(id, record);
    }
    if (record.email !== null) this.#byEmail.get(record.platform)?.add(record.email, record);
  }

  get(platform: Platform, id: string): PersonRecord | undefined {
    return this.#byId.get(platform)?.get(id);
  }

  /** The records claiming (`platform`, `id`), in PLATFORMS-then-id order. */
  claimersOf(platform: Platform, id: string): readonly PersonRecord[] {
    return this.#claimers.get(platform)?.get(id) ?? [];
  }

  /** The records of `platform` holding `email`, in id order. */
  holdersOf(platform: Platform, email: string): readonly PersonRecord[] {
    return this.#byEmail.get(platform)?.get(email) ?? [];
  }
}
