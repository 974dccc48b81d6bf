import { PLATFORMS } from '../ids/index.ts';
import type { Links, Platform } from '../ids/index.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import { hashText } from './chunked-columns.ts';
import type { TextColumn } from './chunked-columns.ts';
import { bucketOf, findInBucket, hashOrdinals } from './ordinal-lists.ts';
import type { OrdinalLists } from './ordinal-lists.ts';
import type { ScannedPlatform } from './platform-scan.ts';

/*
 * One scanned system's records as the audit keeps them: each record an ordinal (its place in id
 * order), found by id or email through hash buckets of ordinals, its links to scanned systems
 * ordinals into their columns, the rest of what it holds in the scan's columns by position. A
 * record becomes an object again only while its person is grouped and planned.
 */

/** No record, in a column of ordinals. */
export const NO_LINK = -1;

const NO_EXTRA_LINKS: PersonRecord['extraLinks'] = Object.freeze({});
const NO_UNREADABLE: PersonRecord['unreadable'] = Object.freeze([]);

/** The columns of a platform by name: undefined for a platform not scanned. */
export type ColumnsOf = (platform: Platform) => PlatformColumns | undefined;

/** The id of the record at `ordinal` of a scanned platform. */
export type IdAt = (platform: Platform, ordinal: number) => string;

export class PlatformColumns {
  readonly platform: Platform;
  readonly size: number;
  /** Per scanned platform, each regular record's link there as an ordinal (NO_LINK for none); set by resolveLinks. */
  readonly links = new Map<Platform, Int32Array>();
  /** The records the columns cannot describe, whole, by ordinal. */
  readonly irregular: Map<number, PersonRecord>;
  readonly #scan: Omit<ScannedPlatform, 'links'>;
  /** Regular records' links as ids, by position: every link until resolveLinks, then those to platforms not scanned. */
  readonly #textLinks: Map<Platform, TextColumn>;
  readonly #byId: OrdinalLists;
  /** Made at the first look-up by email: not while the scan's links are still held as ids, when memory peaks. */
  #byEmail: OrdinalLists | undefined;

  constructor({ links, ...scan }: ScannedPlatform) {
    this.platform = scan.platform;
    this.size = scan.positions.length;
    this.irregular = scan.irregular;
    this.#scan = scan;
    this.#textLinks = new Map(links);
    this.#byId = hashOrdinals(this.size, (ordinal) => scan.ids.hashAt(scan.positions[ordinal] as number));
  }

  idAt(ordinal: number): string {
    return this.#scan.ids.get(this.#scan.positions[ordinal] as number) as string;
  }

  /** The ordinal of `id`, or NO_LINK. */
  find(id: string): number {
    return findInBucket(this.#byId, hashText(id), (ordinal) => this.#scan.ids.holds(this.#scan.positions[ordinal] as number, id));
  }

  /** The ordinal of the id `column` holds at `position` (which holds one), or NO_LINK. */
  #findText(column: TextColumn, position: number): number {
    const ids = this.#scan.ids;
    return findInBucket(this.#byId, column.hashAt(position) as number, (ordinal) => ids.sameAs(this.#scan.positions[ordinal] as number, column, position));
  }

  /** The ordinals of the records holding `email`, in id order. */
  holders(email: string): number[] {
    const scan = this.#scan;
    this.#byEmail ??= hashOrdinals(this.size, (ordinal) => scan.emails.hashAt(scan.positions[ordinal] as number));
    return Array.from(bucketOf(this.#byEmail, hashText(email))).filter((ordinal) => this.#scan.emails.holds(this.#scan.positions[ordinal] as number, email));
  }

  /**
   * Turns each regular record's links to scanned platforms into ordinals there, and drops them as
   * ids. A record whose link names an id no scanned record has is kept whole instead: the traversal
   * must see it claim a record that does not exist.
   */
  resolveLinks(columnsOf: ColumnsOf): void {
    const dangling = new Set<number>();
    for (const [target, column] of this.#textLinks) {
      const targetColumns = columnsOf(target);
      if (targetColumns === undefined) continue;
      const ordinals = new Int32Array(this.size).fill(NO_LINK);
      this.#scan.positions.forEach((position, ordinal) => {
        if (!column.has(position)) return;
        const linked = targetColumns.#findText(column, position);
        if (linked === NO_LINK) dangling.add(ordinal);
        else ordinals[ordinal] = linked;
      });
      this.links.set(target, ordinals);
    }
    for (const ordinal of dangling) {
      this.irregular.set(ordinal, this.#regularRecord(ordinal, this.#linksAsRead(ordinal), this.idAt(ordinal)));
      for (const ordinals of this.links.values()) ordinals[ordinal] = NO_LINK;
    }
    for (const target of this.links.keys()) this.#textLinks.delete(target);
  }

  /**
   * The record at `ordinal` as the scan read it (its snapshot only if kept). Its own id and those
   * it links to on scanned platforms come from `idAt`: a caller that keeps the ids it has read
   * hands out the same strings again, instead of new ones read out of the columns.
   */
  record(ordinal: number, idAt: IdAt): PersonRecord {
    const whole = this.irregular.get(ordinal);
    if (whole !== undefined) return whole;
    const links: Links = {};
    for (const target of PLATFORMS) {
      const link = this.#linkAt(ordinal, target, idAt);
      if (link !== undefined) links[target] = link;
    }
    return this.#regularRecord(ordinal, links, idAt(this.platform, ordinal));
  }

  /** A regular record's link to `target`: an ordinal there for a scanned platform, else the id as read. */
  #linkAt(ordinal: number, target: Platform, idAt: IdAt): string | undefined {
    const linked = this.links.get(target)?.[ordinal];
    if (linked === undefined) return this.#textLinks.get(target)?.get(this.#scan.positions[ordinal] as number);
    return linked === NO_LINK ? undefined : idAt(target, linked);
  }

  #linksAsRead(ordinal: number): Links {
    const links: Links = {};
    for (const [target, column] of this.#textLinks) {
      const id = column.get(this.#scan.positions[ordinal] as number);
      if (id !== undefined) links[target] = id;
    }
    return links;
  }

  #regularRecord(ordinal: number, links: Links, id: string): PersonRecord {
    const position = this.#scan.positions[ordinal] as number;
    return {
      platform: this.platform,
      id,
      email: this.#emailAt(ordinal),
      createdAt: new Date(this.#scan.createdAt.get(position)),
      links,
      extraLinks: NO_EXTRA_LINKS,
      unreadable: NO_UNREADABLE,
      snapshot: this.#scan.snapshots === undefined ? null : this.#scan.snapshots[position],
    };
  }

  #emailAt(ordinal: number): string | null {
    return this.#scan.emails.get(this.#scan.positions[ordinal] as number) ?? null;
  }
}
