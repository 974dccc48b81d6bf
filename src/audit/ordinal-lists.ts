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

/** Builds the lists from `visit`, called twice (to count, then to fill): each slot keeps its values in visiting order. */
export function buildOrdinalLists(slots: number, visit: ListVisitor): OrdinalLists {
  const offsets = new Int32Array(slots + 1);
  visit((slot) => {
    offsets[slot + 1] = (offsets[slot + 1] as number) + 1;
  });
  for (let slot = 0; slot < slots; slot += 1) offsets[slot + 1] = (offsets[slot + 1] as number) + (offsets[slot] as number);
  const values = new Int32Array(offsets[slots] as number);
  const cursors = offsets.slice(0, slots);
  visit((slot, value) => {
    const at = cursors[slot] as number;
    values[at] = value;
    cursors[slot] = at + 1;
  });
  return { offsets, values };
}

/** The values of `slot`, in the order they were visited. */
export function listAt(lists: OrdinalLists, slot: number): Int32Array {
  return lists.values.subarray(lists.offsets[slot] as number, lists.offsets[slot + 1] as number);
}

/** The ordinals below `size` by the hash of their key (none for a null key), in as many buckets as ordinals. */
export function hashOrdinals(size: number, keyAt: (ordinal: number) => string | null): OrdinalLists {
  const buckets = Math.max(1, size);
  return buildOrdinalLists(buckets, (emit) => {
    for (let ordinal = 0; ordinal < size; ordinal += 1) {
      const key = keyAt(ordinal);
      if (key !== null) emit(hashOf(key) % buckets, ordinal);
    }
  });
}

/** The ordinals whose key may be `key` (those sharing its bucket), in ordinal order. */
export function candidatesFor(lists: OrdinalLists, key: string): Int32Array {
  return listAt(lists, hashOf(key) % (lists.offsets.length - 1));
}

/** FNV-1a over the UTF-16 code units: spreads keys over buckets; never stored. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let at = 0; at < text.length; at += 1) hash = Math.imul(hash ^ text.charCodeAt(at), 0x01000193);
  return hash >>> 0;
}
