import type { Platform } from './platforms.ts';
import type { RecordKey } from './raw-id.ts';

/*
 * Values by record key without a string made per look-up. A map keyed by `platform:id` builds a
 * new string at every get, and V8 must flatten and hash it each time. gather's traversal makes
 * tens of look-ups per record, in maps that mostly hold a person's few keys: up to INDEXED_FROM
 * entries the map is only its list, searched in order (making a Map per platform for each of them
 * cost the audit's grouping and planning of 200,000 people about 8% more, bench/RESULTS.md); past
 * that each platform's ids are indexed in a Map, the id (a string the record already holds) the
 * key, so its hash is computed once and kept.
 */

interface Entry<V> {
  readonly key: RecordKey;
  value: V;
  live: boolean;
}

/** Entries searched in order before the map indexes them: a person's keys, in nearly every gather. */
const INDEXED_FROM = 8;

/** A map from record keys to values, iterated in insertion order as a Map is. */
export class RecordKeyMap<V> {
  /** Each platform's ids, once the map holds more than INDEXED_FROM entries. */
  #byPlatform: Map<Platform, Map<string, Entry<V>>> | undefined;
  /** Every entry in insertion order; once indexed, a deleted one is skipped, and dropped once they outnumber the live. */
  #order: Entry<V>[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(key: RecordKey): V | undefined {
    return this.#entry(key)?.value;
  }

  has(key: RecordKey): boolean {
    return this.#entry(key) !== undefined;
  }

  /** Sets `key`; a key already held keeps its place in the order, as in a Map. */
  set(key: RecordKey, value: V): this {
    const held = this.#entry(key);
    if (held !== undefined) {
      held.value = value;
      return this;
    }
    const entry: Entry<V> = { key, value, live: true };
    this.#order.push(entry);
    this.#size += 1;
    if (this.#byPlatform !== undefined) this.#index(this.#byPlatform, entry);
    else if (this.#size > INDEXED_FROM) {
      const byPlatform = new Map<Platform, Map<string, Entry<V>>>();
      for (const each of this.#order) this.#index(byPlatform, each);
      this.#byPlatform = byPlatform;
    }
    return this;
  }

  delete(key: RecordKey): boolean {
    const held = this.#entry(key);
    if (held === undefined) return false;
    held.live = false;
    this.#size -= 1;
    if (this.#byPlatform === undefined) this.#order.splice(this.#order.indexOf(held), 1);
    else {
      this.#byPlatform.get(key.platform)?.delete(key.id);
      if (this.#order.length > 2 * this.#size) this.#order = this.#order.filter((entry) => entry.live);
    }
    return true;
  }

  /** The keys in insertion order (each as first set), as a new array. */
  keys(): RecordKey[] {
    const keys: RecordKey[] = [];
    for (const entry of this.#order) if (entry.live) keys.push(entry.key);
    return keys;
  }

  /** The values in insertion order, as a new array (not an iterator: spreading one is slow in V8). */
  values(): V[] {
    const values: V[] = [];
    for (const entry of this.#order) if (entry.live) values.push(entry.value);
    return values;
  }

  #entry({ platform, id }: RecordKey): Entry<V> | undefined {
    if (this.#byPlatform !== undefined) return this.#byPlatform.get(platform)?.get(id);
    for (const entry of this.#order) if (entry.key.id === id && entry.key.platform === platform) return entry;
    return undefined;
  }

  #index(byPlatform: Map<Platform, Map<string, Entry<V>>>, entry: Entry<V>): void {
    let ids = byPlatform.get(entry.key.platform);
    if (ids === undefined) byPlatform.set(entry.key.platform, (ids = new Map()));
    ids.set(entry.key.id, entry);
  }
}

/** `keys` in first-seen order, each once. */
export function uniqueKeys(keys: readonly RecordKey[]): RecordKey[] {
  const seen = new RecordKeyMap<true>();
  for (const key of keys) seen.set(key, true);
  return seen.keys();
}
