import { compareIds } from '../reconcile/plan/order.ts';

/*
 * Columns that grow while a scan is read, in chunks of fixed size: growing never copies what is
 * held, and never leaves more than one chunk unused (a doubling array leaves up to half of itself
 * unused, and holds the old and the new copy at once while it grows).
 */

const CHUNK_BITS = 16;
const CHUNK_LENGTH = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_LENGTH - 1;
const TEXT_CHUNK_BYTES = 1 << 20;
/** The longest string a TextColumn packs; a longer one is kept as a string. */
const PACKED_MAX_LENGTH = 0xff;
const LATIN1_MAX = 0xff;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

type NumberChunk = Int32Array | Uint8Array | Float64Array;

/** Numbers by position, each position set in turn; a position never set reads as 0. */
export class NumberColumn {
  readonly #make: (length: number) => NumberChunk;
  readonly #chunks: NumberChunk[] = [];
  #length = 0;

  /** `make` makes one chunk: e.g. `(length) => new Float64Array(length)`. */
  constructor(make: (length: number) => NumberChunk) {
    this.#make = make;
  }

  get length(): number {
    return this.#length;
  }

  /** Sets `position`, which comes after every position set so far (those skipped read as 0). */
  set(position: number, value: number): void {
    while (this.#chunks.length <= position >>> CHUNK_BITS) this.#chunks.push(this.#make(CHUNK_LENGTH));
    (this.#chunks[position >>> CHUNK_BITS] as NumberChunk)[position & CHUNK_MASK] = value;
    this.#length = position + 1;
  }

  get(position: number): number {
    if (position >= this.#length) return 0;
    return (this.#chunks[position >>> CHUNK_BITS] as NumberChunk)[position & CHUNK_MASK] as number;
  }
}

/**
 * Strings by position, each position set in turn; a position never set reads as undefined. A
 * string of latin1 characters (nearly every id and email) is kept as its bytes, one per character,
 * without the 24 bytes a string object and the slot pointing at it cost; any other is kept as is.
 */
export class TextColumn {
  readonly #chunks: Buffer[] = [];
  /** Where the last chunk's free bytes begin. */
  #used = TEXT_CHUNK_BYTES;
  /** Per position, where its bytes start: chunk index times TEXT_CHUNK_BYTES plus the offset. */
  readonly #starts = new NumberColumn((length) => new Int32Array(length));
  /** Per position, how many bytes it holds: 0 for none (or a string kept as is). */
  readonly #lengths = new NumberColumn((length) => new Uint8Array(length));
  readonly #others = new Map<number, string>();

  /** Sets `position`, which comes after every position set so far. */
  set(position: number, text: string): void {
    if (text.length === 0 || text.length > PACKED_MAX_LENGTH || !isLatin1(text)) {
      this.#others.set(position, text);
      return;
    }
    if (this.#used + text.length > TEXT_CHUNK_BYTES) {
      this.#chunks.push(Buffer.allocUnsafe(TEXT_CHUNK_BYTES));
      this.#used = 0;
    }
    this.#starts.set(position, (this.#chunks.length - 1) * TEXT_CHUNK_BYTES + this.#used);
    this.#lengths.set(position, text.length);
    this.#used += (this.#chunks.at(-1) as Buffer).write(text, this.#used, 'latin1');
  }

  has(position: number): boolean {
    return this.#lengths.get(position) !== 0 || this.#others.has(position);
  }

  get(position: number): string | undefined {
    const length = this.#lengths.get(position);
    if (length === 0) return this.#others.get(position);
    const start = this.#starts.get(position);
    const offset = start % TEXT_CHUNK_BYTES;
    return this.#chunkAt(start).toString('latin1', offset, offset + length);
  }

  /** An unsigned 32-bit hash of the string at `position` (hashText's), without making the string; null for none. */
  hashAt(position: number): number | null {
    const length = this.#lengths.get(position);
    if (length === 0) {
      const text = this.#others.get(position);
      return text === undefined ? null : hashText(text);
    }
    const start = this.#starts.get(position);
    const chunk = this.#chunkAt(start);
    const offset = start % TEXT_CHUNK_BYTES;
    let hash = FNV_OFFSET;
    for (let at = offset; at < offset + length; at += 1) hash = Math.imul(hash ^ (chunk[at] as number), FNV_PRIME);
    return hash >>> 0;
  }

  /** Whether `position` holds the string `other` holds at `otherPosition` (both set), without making either. */
  sameAs(position: number, other: TextColumn, otherPosition: number): boolean {
    const length = other.#lengths.get(otherPosition);
    if (length === 0) return this.holds(position, other.#others.get(otherPosition) as string);
    if (this.#lengths.get(position) !== length) return false;
    const [start, otherStart] = [this.#starts.get(position), other.#starts.get(otherPosition)];
    const [chunk, otherChunk] = [this.#chunkAt(start), other.#chunkAt(otherStart)];
    return chunk.compare(otherChunk, otherStart % TEXT_CHUNK_BYTES, (otherStart % TEXT_CHUNK_BYTES) + length, start % TEXT_CHUNK_BYTES, (start % TEXT_CHUNK_BYTES) + length) === 0;
  }

  /**
   * The code-unit order (compareIds) of the strings at `left` and `right` (both set): a latin1
   * string's bytes are its code units, so two packed ones are compared without making either.
   */
  compareAt(left: number, right: number): number {
    const [leftLength, rightLength] = [this.#lengths.get(left), this.#lengths.get(right)];
    if (leftLength === 0 || rightLength === 0) return compareIds(this.get(left) as string, this.get(right) as string);
    const [leftStart, rightStart] = [this.#starts.get(left), this.#starts.get(right)];
    const [leftChunk, rightChunk] = [this.#chunkAt(leftStart), this.#chunkAt(rightStart)];
    const [leftOffset, rightOffset] = [leftStart % TEXT_CHUNK_BYTES, rightStart % TEXT_CHUNK_BYTES];
    for (let at = 0; at < Math.min(leftLength, rightLength); at += 1) {
      const difference = (leftChunk[leftOffset + at] as number) - (rightChunk[rightOffset + at] as number);
      if (difference !== 0) return difference;
    }
    return leftLength - rightLength;
  }

  /** Whether `position` holds `text`: get(position) === text, without making the string. */
  holds(position: number, text: string): boolean {
    const length = this.#lengths.get(position);
    if (length === 0) return this.#others.get(position) === text;
    if (length !== text.length) return false;
    const start = this.#starts.get(position);
    const chunk = this.#chunkAt(start);
    const offset = start % TEXT_CHUNK_BYTES;
    for (let at = 0; at < length; at += 1) if (chunk[offset + at] !== text.charCodeAt(at)) return false;
    return true;
  }

  #chunkAt(start: number): Buffer {
    return this.#chunks[Math.floor(start / TEXT_CHUNK_BYTES)] as Buffer;
  }
}

/** FNV-1a over the UTF-16 code units: for hash tables only, never stored. */
export function hashText(text: string): number {
  let hash = FNV_OFFSET;
  for (let at = 0; at < text.length; at += 1) hash = Math.imul(hash ^ text.charCodeAt(at), FNV_PRIME);
  return hash >>> 0;
}

function isLatin1(text: string): boolean {
  for (let at = 0; at < text.length; at += 1) if (text.charCodeAt(at) > LATIN1_MAX) return false;
  return true;
}
