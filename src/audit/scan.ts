import { PLATFORMS } from '../ids/index.ts';
import type { Platform } from '../ids/index.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import type { Adapters, PlatformAdapter } from '../platforms/platform-adapter.ts';
import { ScanStoreBuilder } from './scan-store-builder.ts';
import type { ScanStore } from './scan-store.ts';

export interface ScanProgress {
  readonly platform: Platform;
  /** Records of this platform read so far. */
  readonly records: number;
  readonly batches: number;
}

export interface ScanAllOptions {
  /** Records per round trip. Default: the adapters' own (1000). */
  batchSize?: number;
  /** Called after each batch, e.g. to renew a job's progress. Default: none. */
  onBatch?: (progress: ScanProgress) => void | Promise<void>;
  /** Handed each batch as read, before `onBatch`, e.g. to index it. Default: none. */
  onRecords?: (records: readonly PersonRecord[]) => Promise<void>;
  /**
   * Whether records keep their snapshots, which only a write of the record needs. Kept, every
   * snapshot stays in memory beside the columns; without them a write of a record read by the scan
   * fails with codes.INVALID_SNAPSHOT. Default: true.
   */
  keepSnapshots?: boolean;
}

export interface ScanResult {
  /** The platforms scanned: those of `platforms` with an adapter, in PLATFORMS order. */
  readonly scanned: Platform[];
  /** Every record read, as columns. */
  readonly store: ScanStore;
  readonly batches: Partial<Record<Platform, number>>;
}

/** The platforms of `platforms` that have an adapter, in PLATFORMS order. */
export function scannablePlatforms(adapters: Adapters, platforms: readonly Platform[]): Platform[] {
  return PLATFORMS.filter((platform) => platforms.includes(platform) && adapters[platform] !== undefined);
}

/**
 * One streaming pass per system over the link fields, in batches (one round trip each), all systems
 * at once. Each batch goes into the store's columns as it arrives; no record outlives its batch
 * unless the columns cannot describe it.
 */
export async function scanAll(adapters: Adapters, platforms: readonly Platform[], options: ScanAllOptions = {}): Promise<ScanResult> {
  const scanned = scannablePlatforms(adapters, platforms);
  const builder = new ScanStoreBuilder(scanned, { keepSnapshots: options.keepSnapshots });
  const perPlatform = await Promise.all(scanned.map((platform) => scanOne(adapters[platform] as PlatformAdapter, builder, options)));
  const batches: Partial<Record<Platform, number>> = {};
  scanned.forEach((platform, at) => {
    batches[platform] = perPlatform[at] ?? 0;
  });
  return { scanned, store: builder.finish(), batches };
}

/** Scans one system into `builder`: the number of batches read. */
async function scanOne(adapter: PlatformAdapter, builder: ScanStoreBuilder, options: ScanAllOptions): Promise<number> {
  let batches = 0;
  for await (const batch of adapter.scan({ batchSize: options.batchSize })) {
    await options.onRecords?.(batch);
    builder.add(batch);
    batches += 1;
    await options.onBatch?.({ platform: adapter.platform, records: builder.count(adapter.platform), batches });
  }
  return batches;
}
