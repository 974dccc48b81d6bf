import { PLATFORMS } from '../ids/index.ts';
import type { Platform } from '../ids/index.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import { claimsOf } from '../platforms/person-record.ts';
import { NumberColumn, TextColumn } from './chunked-columns.ts';

/*
 * One system's scanned records as columns, by position in the scan: each batch is taken apart as
 * it comes in and its objects dropped, so the audit never holds every record as an object. A
 * record is regular when the columns say everything it holds (its links, at most one per
 * platform, and nothing unreadable): nearly every record. Any other is kept whole.
 */

/** What the scan read, by position, and its order by id. */
export interface ScannedPlatform {
  readonly platform: Platform;
  /** Every id read, by position. */
  readonly ids: TextColumn;
  /** By ordinal, the position of each id read, in code-unit order of the ids (compareIds), each id once. */
  readonly positions: Int32Array;
  readonly emails: TextColumn;
  /** Milliseconds since the epoch. */
  readonly createdAt: NumberColumn;
  /** Regular records' snapshots; undefined when none was kept. */
  readonly snapshots: readonly unknown[] | undefined;
  /** Regular records' links, per platform they point at, as ids. */
  readonly links: ReadonlyMap<Platform, TextColumn>;
  /** The records that are not regular, whole, by ordinal. */
  readonly irregular: Map<number, PersonRecord>;
}

export class PlatformScan {
  readonly platform: Platform;
  /** Claims the records make on scanned platforms. */
  links = 0;
  readonly #scanned: readonly Platform[];
  readonly #keepSnapshots: boolean;
  #count = 0;
  readonly #ids = new TextColumn();
  readonly #emails = new TextColumn();
  readonly #createdAt = new NumberColumn((length) => new Float64Array(length));
  #snapshots: unknown[] | undefined;
  readonly #links = new Map<Platform, TextColumn>();
  readonly #irregular = new Map<number, PersonRecord>();

  constructor(platform: Platform, scanned: readonly Platform[], keepSnapshots: boolean) {
    this.platform = platform;
    this.#scanned = scanned;
    this.#keepSnapshots = keepSnapshots;
  }

  /** Records read so far, a duplicate id included. */
  get count(): number {
    return this.#count;
  }

  add(record: PersonRecord): void {
    const position = this.#count;
    this.#count += 1;
    this.#ids.set(position, record.id);
    if (record.email !== null) this.#emails.set(position, record.email);
    this.#createdAt.set(position, record.createdAt.getTime());
    if (!isRegular(record)) {
      this.links += claimsOf(record).filter((claim) => this.#scanned.includes(claim.platform)).length;
      this.#irregular.set(position, this.#keepSnapshots ? record : { ...record, snapshot: null });
      return;
    }
    if (this.#keepSnapshots && record.snapshot !== null) pushAt((this.#snapshots ??= []), position, record.snapshot);
    for (const target of PLATFORMS) {
      const link = record.links[target];
      if (link === undefined) continue;
      if (this.#scanned.includes(target)) this.links += 1;
      this.#column(target).set(position, link);
    }
  }

  /** The columns and their order by id; of two records with one id, the first read is kept. */
  sorted(): ScannedPlatform {
    const positions = this.#inIdOrder() ? Int32Array.from({ length: this.#count }, (_, position) => position) : this.#sortedPositions();
    const irregular = new Map<number, PersonRecord>();
    if (this.#irregular.size > 0) {
      positions.forEach((position, ordinal) => {
        const record = this.#irregular.get(position);
        if (record !== undefined) irregular.set(ordinal, record);
      });
    }
    const snapshots = this.#snapshots === undefined ? undefined : padded(this.#snapshots, this.#count);
    return { platform: this.platform, ids: this.#ids, positions, emails: this.#emails, createdAt: this.#createdAt, snapshots, links: this.#links, irregular };
  }

  /** Whether the scan read the ids in order, each once (a MongoDB scan by `_id` does): then nothing is sorted. */
  #inIdOrder(): boolean {
    for (let position = 1; position < this.#count; position += 1) if (this.#ids.compareAt(position - 1, position) >= 0) return false;
    return true;
  }

  /** By ordinal, the position of each id, in id order; of equal ids only the first read. */
  #sortedPositions(): Int32Array {
    const ids = this.#ids;
    const order = Array.from({ length: this.#count }, (_, position) => position);
    // Array sort is stable, so of equal ids the first read comes first; it is also quick on the
    // runs a scan in a collation's order hands it (nearly code-unit order).
    order.sort((left, right) => ids.compareAt(left, right));
    return Int32Array.from(order.filter((position, at) => at === 0 || !ids.sameAs(position, ids, order[at - 1] as number)));
  }

  #column(target: Platform): TextColumn {
    let column = this.#links.get(target);
    if (column === undefined) this.#links.set(target, (column = new TextColumn()));
    return column;
  }
}

/** Whether the columns hold all of `record`: its links alone. */
function isRegular(record: PersonRecord): boolean {
  return record.unreadable.length === 0 && Object.keys(record.extraLinks).length === 0;
}

/** Sets `column[position]`, filling the positions before it with null: the array stays packed. */
function pushAt(column: unknown[], position: number, value: unknown): void {
  padded(column, position);
  column.push(value);
}

function padded(column: unknown[], length: number): unknown[] {
  while (column.length < length) column.push(null);
  return column;
}
