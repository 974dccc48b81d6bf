/*
 * Lists of numbers per slot in two typed arrays (compressed sparse rows): slot s holds
 * values[offsets[s]] up to values[offsets[s + 1]]. 4 bytes per slot and per value, where a Map of
 * arrays costs about ten times that and is one more object for the garbage collector per slot.
 */

export interface OrdinalLists {
  readonly offsets: Int32Array;
  readonly values: Int32Array;
}

/** Calls `emit` for each value of each slot. */
export type ListVisitor = (emit: (slot: number, value: number) => void) => void;

/**
 * Builds the lists from `visit`, called twice (to count, then to fill): each slot keeps its values
 * in visiting order. The offsets serve as the fill's cursors, so nothing else is allocated.
 */
export function buildOrdinalLists(slots: number, visit: ListVisitor): OrdinalLists {
  const offsets = new Int32Array(slots + 1);
  visit((slot) => {
    offsets[slot] = (offsets[slot] as number) + 1;
  });
  let total = 0;
  for (let slot = 0; slot < slots; slot += 1) {
    const count = offsets[slot] as number;
    offsets[slot] = total;
    total += count;
  }
  offsets[slots] = total;
  const values = new Int32Array(total);
  visit((slot, value) => {
    const at = offsets[slot] as number;
    values[at] = value;
    offsets[slot] = at + 1;
  });
  // Each slot's cursor ended where the next slot starts: shifted by one, they are the offsets again.
  offsets.copyWithin(1, 0, slots);
  offsets[0] = 0;
  return { offsets, values };
}

/** The values of `slot`, in the order they were visited. */
export function listAt(lists: OrdinalLists, slot: number): Int32Array {
  return lists.values.subarray(lists.offsets[slot] as number, lists.offsets[slot + 1] as number);
}

/**
 * A hash table of ordinals: those below `size` in as many buckets as there are ordinals, by
 * `hashAt` (an unsigned 32-bit hash of each one's key; null for an ordinal without one).
 */
export function hashOrdinals(size: number, hashAt: (ordinal: number) => number | null): OrdinalLists {
  const buckets = Math.max(1, size);
  // Hashing each key twice costs less than holding every hash between the two visits.
  return buildOrdinalLists(buckets, (emit) => {
    for (let ordinal = 0; ordinal < size; ordinal += 1) {
      const hash = hashAt(ordinal);
      if (hash !== null) emit(hash % buckets, ordinal);
    }
  });
}

/** The ordinals of `hash`'s bucket, in ordinal order: those whose key may have that hash. */
export function bucketOf(lists: OrdinalLists, hash: number): Int32Array {
  return listAt(lists, hash % (lists.offsets.length - 1));
}

/** The first ordinal of `hash`'s bucket for which `matches` holds, or -1. */
export function findInBucket(lists: OrdinalLists, hash: number, matches: (ordinal: number) => boolean): number {
  const bucket = hash % (lists.offsets.length - 1);
  const end = lists.offsets[bucket + 1] as number;
  for (let at = lists.offsets[bucket] as number; at < end; at += 1) {
    const ordinal = lists.values[at] as number;
    if (matches(ordinal)) return ordinal;
  }
  return -1;
}
