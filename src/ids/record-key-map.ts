import type { Platform } from './platforms.ts';
import type { RecordKey } from './raw-id.ts';

/*
 * Values by record key without a string made per look-up. A map keyed by `platform:id` builds a
 * new string at every get, and V8 must flatten and hash it each time; here the id, a string the
 * record already holds, is the key of its platform's map, so its hash is computed once and kept.
 * gather's traversal makes tens of look-ups per record, which was most of its time in the audit's
 * grouping of 100,000 people (bench/RESULTS.md).
 */

interface Entry<V> {
  readonly key: RecordKey;
  value: V;
  live: boolean;
}

/** A map from record keys to values, iterated in insertion order as a Map is. */
export class RecordKeyMap<V> {
  readonly #byPlatform = new Map<Platform, Map<string, Entry<V>>>();
  /** Every entry in insertion order; a deleted one is skipped, and dropped once they outnumber the live. */
  #order: Entry<V>[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(key: RecordKey): V | undefined {
    return this.#byPlatform.get(key.platform)?.get(key.id)?.value;
  }

  has(key: RecordKey): boolean {
    return this.#byPlatform.get(key.platform)?.has(key.id) ?? false;
  }

  /** Sets `key`; a key already held keeps its place in the order, as in a Map. */
  set(key: RecordKey, value: V): this {
    let ids = this.#byPlatform.get(key.platform);
    if (ids === undefined) this.#byPlatform.set(key.platform, (ids = new Map()));
    const held = ids.get(key.id);
    if (held !== undefined) {
      held.value = value;
      return this;
    }
    const entry: Entry<V> = { key, value, live: true };
    ids.set(key.id, entry);
    this.#order.push(entry);
    this.#size += 1;
    return this;
  }

  delete(key: RecordKey): boolean {
    const ids = this.#byPlatform.get(key.platform);
    const held = ids?.get(key.id);
    if (ids === undefined || held === undefined) return false;
    ids.delete(key.id);
    held.live = false;
    this.#size -= 1;
    if (this.#order.length > 2 * this.#size) this.#order = this.#order.filter((entry) => entry.live);
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
}

/** `keys` in first-seen order, each once. */
export function uniqueKeys(keys: readonly RecordKey[]): RecordKey[] {
  const seen = new RecordKeyMap<true>();
  for (const key of keys) seen.set(key, true);
  return seen.keys();
}
