import { PLATFORMS } from '../../../src/ids/index.ts';
import type { Platform, RecordKey } from '../../../src/ids/index.ts';
import { normalizeStoredEmail } from '../../../src/platforms/adapter-support.ts';
import { claims } from '../../../src/platforms/person-record.ts';
import type { PersonRecord } from '../../../src/platforms/person-record.ts';
import type { Adapters, PlatformAdapter } from '../../../src/platforms/platform-adapter.ts';
import type { LinkIndex } from '../../../src/link-index/link-index.ts';
import { claimText } from '../../../src/link-index/link-rows.ts';
import type { GatherSources } from '../../../src/reconcile/gather.ts';

/**
 * Test-only adapters over records held in memory, with the read contract of PlatformAdapter
 * (get, getMany, findByEmail, scan): what gather needs to be compared with the audit's
 * in-memory grouping. Writes are not supported.
 */
export function memoryAdapters(records: readonly PersonRecord[], platforms: readonly Platform[]): Adapters {
  const adapters: Adapters = {};
  for (const platform of PLATFORMS.filter((candidate) => platforms.includes(candidate))) {
    adapters[platform] = memoryAdapter(platform, records.filter((record) => record.platform === platform));
  }
  return adapters;
}

function memoryAdapter(platform: Platform, own: readonly PersonRecord[]): PlatformAdapter {
  const sorted = [...own].sort((left, right) => (left.id < right.id ? -1 : left.id > right.id ? 1 : 0));
  return {
    platform,
    get: async (id) => sorted.find((record) => record.id === id) ?? null,
    getMany: async (ids) => sorted.filter((record) => ids.includes(record.id)),
    findByEmail: async (email) => sorted.filter((record) => record.email !== null && record.email === normalizeStoredEmail(email)),
    writeLinks: () => Promise.reject(new Error('memory adapters are read-only')),
    scan: async function* (options = {}) {
      const size = options.batchSize ?? 1000;
      for (let start = 0; start < sorted.length; start += size) yield sorted.slice(start, start + size);
    },
  };
}

/**
 * A link index over the same records, answered by searching them all: the oracle gather's index
 * look-ups are checked against. It never goes stale, so refresh has nothing to do.
 */
export function memoryLinks(records: readonly PersonRecord[]): LinkIndex {
  const keyOf = (record: PersonRecord) => ({ platform: record.platform, id: record.id });
  const claimersOf = (keys: readonly RecordKey[]) => records.filter((record) => keys.some((key) => claims(record, key.platform, key.id))).map(keyOf);
  return {
    claimersOf: async (keys) => claimersOf(keys),
    // Nothing is said to be held, so refresh would send every row: it has nothing to do here anyway.
    claimersAndRows: async (keys) => ({ claimers: new Map(keys.map((key) => [claimText(key), claimersOf([key])])), held: new Map() }),
    holdersOf: async (platforms, emails) => records.filter((record) => platforms.includes(record.platform) && record.email !== null && emails.includes(record.email)).map(keyOf),
    rowsOf: async () => new Map(),
    refresh: async () => new Set<string>(),
    isEmpty: async () => records.length === 0,
  };
}

/** What gather reads in these tests: the memory adapters and the memory link index. */
export function memorySources(records: readonly PersonRecord[], platforms: readonly Platform[]): GatherSources {
  return { adapters: memoryAdapters(records, platforms), links: memoryLinks(records) };
}
