import { compareIds } from '../reconcile/plan/order.ts';

/*
 * Columns that grow while a scan is read, in chunks of fixed size: growing never copies what is
 * held, and never leaves more than one chunk unused (a doubling array leaves up to half of itself
 * unused, and holds the old and the new copy at once while it grows).
 */

const CHUNK_BITS = 16;
const CHUNK_LENGTH = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_LENGTH - 1;
/** A TextColumn's chunk; a column holds at most 2 GiB of packed text (its starts are Int32). */
const TEXT_CHUNK_BYTES = 1 << 20;
/**
 * A packed string's length byte: its byte count, plus HEX_FLAG for lower-case hex packed two digits
 * a byte. HEX_FLAG alone (hex of no bytes is never packed) marks a lower-case UUID: its 32 digits
 * in 16 bytes, the dashes at their fixed places left out.
 */
const HEX_FLAG = 0x80;
const UUID_FORM = HEX_FLAG;
const UUID_BYTES = 16;
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UUID_TEXT_LENGTH = 36;
/** By byte of a packed UUID, whether a dash comes before its two digits. */
const DASH_BEFORE = Array.from({ length: UUID_BYTES }, (_, at) => at === 4 || at === 6 || at === 8 || at === 10);
const DASH = '-'.charCodeAt(0);
/** The most bytes a string may pack into (more, and it is kept as a string). */
const PACKED_MAX_BYTES = HEX_FLAG - 1;
const LATIN1_MAX = 0xff;
const HEX_DIGITS = [...'0123456789abcdef'].map((digit) => digit.charCodeAt(0));
const [DIGIT_0, DIGIT_9, LOWER_A, LOWER_F] = [...'09af'].map((digit) => digit.charCodeAt(0)) as [number, number, number, number];
const NIBBLE_BITS = 4;
const NIBBLE_MASK = 0xf;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

type NumberChunk = Int32Array | Uint8Array | Float64Array;
/** How a packed string's bytes spell it. */
type Form = 'latin1' | 'hex' | 'uuid';
interface Packed {
  readonly chunk: Buffer;
  readonly offset: number;
  readonly bytes: number;
  readonly form: Form;
}

/** Numbers by position, each position set in turn; a position never set reads as 0. */
export class NumberColumn {
  readonly #make: (length: number) => NumberChunk;
  readonly #chunks: NumberChunk[] = [];
  #length = 0;

  /** `make` makes one chunk: e.g. `(length) => new Float64Array(length)`. */
  constructor(make: (length: number) => NumberChunk) {
    this.#make = make;
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
 * and one of lower-case hex digits (a MongoDB ObjectId) or a lower-case UUID (a Supabase id) as
 * the bytes it spells, without the 24 bytes a string object and the slot pointing at it cost; any
 * other is kept as is. Which form a string takes depends on the string alone, so two strings in
 * different forms differ.
 */
export class TextColumn {
  readonly #chunks: Buffer[] = [];
  /** Where the last chunk's free bytes begin. */
  #used = TEXT_CHUNK_BYTES;
  /** Per position, where its bytes start: chunk index times TEXT_CHUNK_BYTES plus the offset. */
  readonly #starts = new NumberColumn((length) => new Int32Array(length));
  /** Per position, its length byte (HEX_FLAG); 0 for none or a string kept as is. */
  readonly #lengths = new NumberColumn((length) => new Uint8Array(length));
  readonly #others = new Map<number, string>();

  /** Sets `position`, which comes after every position set so far. */
  set(position: number, text: string): void {
    const form = formOf(text);
    const bytes = form === 'uuid' ? UUID_BYTES : form === 'hex' ? text.length / 2 : text.length;
    if (form === undefined || bytes === 0 || bytes > PACKED_MAX_BYTES) {
      this.#others.set(position, text);
      return;
    }
    if (this.#used + bytes > TEXT_CHUNK_BYTES) {
      this.#chunks.push(Buffer.allocUnsafe(TEXT_CHUNK_BYTES));
      this.#used = 0;
    }
    this.#starts.set(position, (this.#chunks.length - 1) * TEXT_CHUNK_BYTES + this.#used);
    this.#lengths.set(position, form === 'uuid' ? UUID_FORM : form === 'hex' ? HEX_FLAG | bytes : bytes);
    const chunk = this.#chunks.at(-1) as Buffer;
    this.#used += form === 'uuid' ? chunk.write(text.replaceAll('-', ''), this.#used, 'hex') : chunk.write(text, this.#used, form);
  }

  has(position: number): boolean {
    return this.#lengths.get(position) !== 0 || this.#others.has(position);
  }

  get(position: number): string | undefined {
    const packed = this.#packed(position);
    if (packed === undefined) return this.#others.get(position);
    const { chunk, offset, bytes, form } = packed;
    const text = chunk.toString(form === 'latin1' ? 'latin1' : 'hex', offset, offset + bytes);
    if (form !== 'uuid') return text;
    // The digits in groups of 8-4-4-4-12.
    return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
  }

  /** An unsigned 32-bit hash of the string at `position` (hashText's), without making the string; null for none. */
  hashAt(position: number): number | null {
    const packed = this.#packed(position);
    if (packed === undefined) {
      const text = this.#others.get(position);
      return text === undefined ? null : hashText(text);
    }
    const { chunk, offset, bytes, form } = packed;
    let hash = FNV_OFFSET;
    for (let at = offset; at < offset + bytes; at += 1) {
      const byte = chunk[at] as number;
      if (form === 'uuid' && DASH_BEFORE[at - offset]) hash = Math.imul(hash ^ DASH, FNV_PRIME);
      if (form !== 'latin1') {
        // The two hex digits the byte spells, hashed as the text would be.
        hash = Math.imul(hash ^ (HEX_DIGITS[byte >> NIBBLE_BITS] as number), FNV_PRIME);
        hash = Math.imul(hash ^ (HEX_DIGITS[byte & NIBBLE_MASK] as number), FNV_PRIME);
      } else hash = Math.imul(hash ^ byte, FNV_PRIME);
    }
    return hash >>> 0;
  }

  /** Whether `position` holds `text`: get(position) === text, without making the string. */
  holds(position: number, text: string): boolean {
    const packed = this.#packed(position);
    if (packed === undefined) return this.#others.get(position) === text;
    const { chunk, offset, bytes, form } = packed;
    if (text.length !== (form === 'uuid' ? UUID_TEXT_LENGTH : form === 'hex' ? 2 * bytes : bytes)) return false;
    let char = 0;
    for (let at = 0; at < bytes; at += 1) {
      const byte = chunk[offset + at] as number;
      if (form === 'latin1') {
        if (byte !== text.charCodeAt(char++)) return false;
        continue;
      }
      if (form === 'uuid' && DASH_BEFORE[at] && text.charCodeAt(char++) !== DASH) return false;
      if (HEX_DIGITS[byte >> NIBBLE_BITS] !== text.charCodeAt(char++) || HEX_DIGITS[byte & NIBBLE_MASK] !== text.charCodeAt(char++)) return false;
    }
    return true;
  }

  /** Whether `position` holds the string `other` holds at `otherPosition` (which holds one), without making either. */
  sameAs(position: number, other: TextColumn, otherPosition: number): boolean {
    const [mine, theirs] = [this.#packed(position), other.#packed(otherPosition)];
    if (theirs === undefined) return this.holds(position, other.#others.get(otherPosition) as string);
    if (mine === undefined || mine.form !== theirs.form || mine.bytes !== theirs.bytes) return false;
    return mine.chunk.compare(theirs.chunk, theirs.offset, theirs.offset + theirs.bytes, mine.offset, mine.offset + mine.bytes) === 0;
  }

  /**
   * The code-unit order (compareIds) of the strings at `left` and `right` (both set). Bytes in one
   * form sort as the strings they spell (a latin1 byte is its code unit; hex digits sort as their
   * values; a UUID's dashes are at the same places in both), so two strings packed alike are
   * compared without making either.
   */
  compareAt(left: number, right: number): number {
    const [one, two] = [this.#packed(left), this.#packed(right)];
    if (one === undefined || two === undefined || one.form !== two.form) return compareIds(this.get(left) as string, this.get(right) as string);
    for (let at = 0; at < Math.min(one.bytes, two.bytes); at += 1) {
      const difference = (one.chunk[one.offset + at] as number) - (two.chunk[two.offset + at] as number);
      if (difference !== 0) return difference;
    }
    return one.bytes - two.bytes;
  }

  /** Where the bytes of a packed string are; undefined for none or one kept as is. */
  #packed(position: number): Packed | undefined {
    const length = this.#lengths.get(position);
    if (length === 0) return undefined;
    const start = this.#starts.get(position);
    const chunk = this.#chunks[Math.floor(start / TEXT_CHUNK_BYTES)] as Buffer;
    const offset = start % TEXT_CHUNK_BYTES;
    if (length === UUID_FORM) return { chunk, offset, bytes: UUID_BYTES, form: 'uuid' };
    return { chunk, offset, bytes: length & PACKED_MAX_BYTES, form: (length & HEX_FLAG) === 0 ? 'latin1' : 'hex' };
  }
}

/** FNV-1a over the UTF-16 code units: for hash tables only, never stored. */
export function hashText(text: string): number {
  let hash = FNV_OFFSET;
  for (let at = 0; at < text.length; at += 1) hash = Math.imul(hash ^ text.charCodeAt(at), FNV_PRIME);
  return hash >>> 0;
}

/** How `text` packs, by its characters alone; undefined when it does not (a character past latin1). */
function formOf(text: string): Form | undefined {
  if (text.length === UUID_TEXT_LENGTH && UUID_TEXT.test(text)) return 'uuid';
  if (isLowerHex(text)) return 'hex';
  return isLatin1(text) ? 'latin1' : undefined;
}

/** An even number of lower-case hex digits: the string a sequence of bytes spells in hex. */
function isLowerHex(text: string): boolean {
  if (text.length % 2 !== 0) return false;
  for (let at = 0; at < text.length; at += 1) {
    const code = text.charCodeAt(at);
    if (!((code >= DIGIT_0 && code <= DIGIT_9) || (code >= LOWER_A && code <= LOWER_F))) return false;
  }
  return true;
}

function isLatin1(text: string): boolean {
  for (let at = 0; at < text.length; at += 1) if (text.charCodeAt(at) > LATIN1_MAX) return false;
  return true;
}
