import { PLATFORMS } from '../ids/index.ts';
import type { Platform } from '../ids/index.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import type { Adapters, PlatformAdapter } from '../platforms/platform-adapter.ts';

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
   * Whether records keep their snapshots, which only a write of the record needs. Without them a
   * record takes about a third less memory, and a write of it fails with codes.INVALID_SNAPSHOT.
   * Default: true.
   */
  keepSnapshots?: boolean;
}

export interface ScanResult {
  /** The platforms scanned: those of `platforms` with an adapter, in PLATFORMS order. */
  readonly scanned: Platform[];
  readonly records: PersonRecord[];
  readonly batches: Partial<Record<Platform, number>>;
}

/** The platforms of `platforms` that have an adapter, in PLATFORMS order. */
export function scannablePlatforms(adapters: Adapters, platforms: readonly Platform[]): Platform[] {
  return PLATFORMS.filter((platform) => platforms.includes(platform) && adapters[platform] !== undefined);
}

/**
 * One streaming pass per system over the link fields, in batches (one round trip each), all systems
 * at once. Only what a record holds (ids, links, a normalized email, a creation time) is kept.
 */
export async function scanAll(adapters: Adapters, platforms: readonly Platform[], options: ScanAllOptions = {}): Promise<ScanResult> {
  const scanned = scannablePlatforms(adapters, platforms);
  const perPlatform = await Promise.all(
    scanned.map((platform) => scanOne(adapters[platform] as PlatformAdapter, options)),
  );
  const batches: Partial<Record<Platform, number>> = {};
  scanned.forEach((platform, at) => {
    batches[platform] = perPlatform[at]?.batches ?? 0;
  });
  return { scanned, records: perPlatform.flatMap((result) => result.records), batches };
}

async function scanOne(adapter: PlatformAdapter, options: ScanAllOptions): Promise<{ records: PersonRecord[]; batches: number }> {
  const records: PersonRecord[] = [];
  let batches = 0;
  for await (const batch of adapter.scan({ batchSize: options.batchSize })) {
    await options.onRecords?.(batch);
    for (const record of batch) records.push(options.keepSnapshots === false ? withoutSnapshot(record) : record);
    batches += 1;
    await options.onBatch?.({ platform: adapter.platform, records: records.length, batches });
  }
  return { records, batches };
}

const NO_EXTRA_LINKS: PersonRecord['extraLinks'] = Object.freeze({});
const NO_UNREADABLE: PersonRecord['unreadable'] = Object.freeze([]);

/** The record for reading only: no snapshot, and its empty parts shared with every other record. */
function withoutSnapshot(record: PersonRecord): PersonRecord {
  const extraLinks = Object.keys(record.extraLinks).length === 0 ? NO_EXTRA_LINKS : record.extraLinks;
  const unreadable = record.unreadable.length === 0 ? NO_UNREADABLE : record.unreadable;
  return { ...record, extraLinks, unreadable, snapshot: null };
}
