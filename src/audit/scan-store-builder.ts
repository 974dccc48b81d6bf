import { PLATFORMS } from '../ids/index.ts';
import type { Platform } from '../ids/index.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import { PlatformColumns } from './platform-columns.ts';
import { PlatformScan } from './platform-scan.ts';
import { ScanStore } from './scan-store.ts';

/*
 * Builds the scan store while the systems are read: each batch goes into its platform's columns as
 * it arrives (the systems are scanned at once, so batches of every platform interleave). Only once
 * every scan is done can the records be put in id order and each link become the ordinal of the
 * record it names.
 */

export interface ScanStoreOptions {
  /** Whether records keep their snapshots, which only a write of the record needs. Default: true. */
  keepSnapshots?: boolean;
}

export class ScanStoreBuilder {
  readonly #scans: ReadonlyMap<Platform, PlatformScan>;

  /** Records of platforms outside `scanned` are left out. */
  constructor(scanned: readonly Platform[], options: ScanStoreOptions = {}) {
    const platforms = PLATFORMS.filter((platform) => scanned.includes(platform));
    this.#scans = new Map(platforms.map((platform) => [platform, new PlatformScan(platform, platforms, options.keepSnapshots ?? true)]));
  }

  add(records: readonly PersonRecord[]): void {
    for (const record of records) this.#scans.get(record.platform)?.add(record);
  }

  /** Records of `platform` added so far. */
  count(platform: Platform): number {
    return this.#scans.get(platform)?.count ?? 0;
  }

  /** The store; the builder is spent. */
  finish(): ScanStore {
    const scans = [...this.#scans.values()];
    const records: Partial<Record<Platform, number>> = {};
    for (const scan of scans) if (scan.count > 0) records[scan.platform] = scan.count;
    const links = scans.reduce((sum, scan) => sum + scan.links, 0);
    const columns = scans.map((scan) => new PlatformColumns(scan.sorted()));
    const byPlatform = new Map(columns.map((own) => [own.platform, own]));
    for (const own of columns) own.resolveLinks((platform) => byPlatform.get(platform));
    return new ScanStore(columns, { records, links });
  }
}
