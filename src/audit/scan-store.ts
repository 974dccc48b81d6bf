import { PLATFORMS } from '../ids/index.ts';
import type { Platform } from '../ids/index.ts';
import { claimedIds } from '../platforms/person-record.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import { platformRank } from '../reconcile/plan/order.ts';
import { buildOrdinalLists, listAt } from './ordinal-lists.ts';
import type { OrdinalLists } from './ordinal-lists.ts';
import { NO_LINK } from './platform-columns.ts';
import type { IdAt, PlatformColumns } from './platform-columns.ts';

/*
 * Every scanned record, as columns, answering what gather's traversal asks of the systems and the
 * link index: a record by key, the records claiming a key, the records holding an email. Held as
 * columns because an object per record, and maps of them, cost several times what the record
 * holds: the audit of 1,000,000 people peaked at 2.8 GiB that way (bench/RESULTS.md).
 */

/**
 * A record anywhere in the store as one number: its platform's rank in PLATFORMS times 2^29, plus
 * its ordinal. Numeric order is then PLATFORMS-then-id order; a platform may hold up to 2^29 records.
 */
const RANK_SPAN = 2 ** 29;

/** A record of the store: its platform and its ordinal there. */
export interface RecordRef {
  readonly platform: Platform;
  readonly ordinal: number;
}

export interface ScanCounts {
  /** Records read per scanned platform (a duplicate id included); a platform with none is left out. */
  readonly records: Partial<Record<Platform, number>>;
  /** Claims the records make on scanned platforms. */
  readonly links: number;
}

export class ScanStore {
  /** The scanned platforms, in PLATFORMS order. */
  readonly scanned: readonly Platform[];
  readonly records: Partial<Record<Platform, number>>;
  readonly links: number;
  readonly #columns: ReadonlyMap<Platform, PlatformColumns>;
  /** Per scanned platform, by ordinal, the regular records claiming it (as codes). */
  readonly #claimers: ReadonlyMap<Platform, OrdinalLists>;
  /** Per scanned platform and claimed id, the irregular records claiming it (as codes). */
  readonly #irregularClaims = new Map<Platform, Map<string, number[]>>();

  /** `columns` in PLATFORMS order, one per scanned platform. */
  constructor(columns: readonly PlatformColumns[], counts: ScanCounts) {
    this.scanned = columns.map((own) => own.platform);
    this.records = counts.records;
    this.links = counts.links;
    this.#columns = new Map(columns.map((own) => [own.platform, own]));
    this.#claimers = new Map(columns.map((target) => [target.platform, claimersOf(target, columns)]));
    for (const own of columns) this.#indexIrregularClaims(own);
  }

  /** Records on `platform` (0 when not scanned). */
  size(platform: Platform): number {
    return this.#columns.get(platform)?.size ?? 0;
  }

  idAt(platform: Platform, ordinal: number): string {
    return this.#own(platform).idAt(ordinal);
  }

  /** The ordinal of (`platform`, `id`), or NO_LINK when no scanned record has that key. */
  find(platform: Platform, id: string): number {
    return this.#columns.get(platform)?.find(id) ?? NO_LINK;
  }

  /** The record at `ordinal` of `platform`, as an object of its own; its ids and its links' come from `idAt` (default: the columns). */
  record(platform: Platform, ordinal: number, idAt: IdAt = (target, at) => this.idAt(target, at)): PersonRecord {
    return this.#own(platform).record(ordinal, idAt);
  }

  /** The records claiming (`platform`, `id`), in PLATFORMS-then-id order; nothing for a platform not scanned. */
  claimersOf(platform: Platform, id: string): RecordRef[] {
    const codes: number[] = [];
    const ordinal = this.find(platform, id);
    const regular = this.#claimers.get(platform);
    if (ordinal !== NO_LINK && regular !== undefined) for (const code of listAt(regular, ordinal)) codes.push(code);
    const irregular = this.#irregularClaims.get(platform)?.get(id);
    if (irregular !== undefined) {
      codes.push(...irregular);
      codes.sort((left, right) => left - right);
    }
    return codes.map((code) => ({ platform: PLATFORMS[Math.floor(code / RANK_SPAN)] as Platform, ordinal: code % RANK_SPAN }));
  }

  /** The records of `platform` holding `email`, in id order. */
  holdersOf(platform: Platform, email: string): RecordRef[] {
    return (this.#columns.get(platform)?.holders(email) ?? []).map((ordinal) => ({ platform, ordinal }));
  }

  #own(platform: Platform): PlatformColumns {
    const own = this.#columns.get(platform);
    if (own === undefined) throw new Error(`${platform} was not scanned`);
    return own;
  }

  /** Every id an irregular record claims on a scanned platform, extra ids included, each once per record. */
  #indexIrregularClaims(own: PlatformColumns): void {
    const ordinals = [...own.irregular.keys()].sort((left, right) => left - right);
    for (const ordinal of ordinals) {
      const record = own.irregular.get(ordinal) as PersonRecord;
      for (const platform of this.scanned) {
        for (const id of new Set(claimedIds(record, platform))) {
          let byId = this.#irregularClaims.get(platform);
          if (byId === undefined) this.#irregularClaims.set(platform, (byId = new Map()));
          let codes = byId.get(id);
          if (codes === undefined) byId.set(id, (codes = []));
          codes.push(codeOf(own.platform, ordinal));
        }
      }
    }
  }
}

function codeOf(platform: Platform, ordinal: number): number {
  return platformRank(platform) * RANK_SPAN + ordinal;
}

/** By ordinal of `target`, the regular records of `columns` linking to it, in PLATFORMS-then-id order. */
function claimersOf(target: PlatformColumns, columns: readonly PlatformColumns[]): OrdinalLists {
  return buildOrdinalLists(target.size, (emit) => {
    for (const source of columns) {
      const links = source.links.get(target.platform);
      if (links === undefined) continue;
      const base = codeOf(source.platform, 0);
      links.forEach((linked, ordinal) => {
        if (linked !== NO_LINK) emit(linked, base + ordinal);
      });
    }
  });
}
