import type { Pool } from 'pg';
import { PLATFORMS } from '../ids/index.ts';
import type { Platform } from '../ids/index.ts';
import type { Adapters, PlatformAdapter } from '../platforms/platform-adapter.ts';
import type { LinkKind } from './link-index.ts';
import { startLinkIndexRebuild } from './link-index-rebuild.ts';

export interface BuildLinkIndexOptions {
  /** Records per scanned batch (one round trip each, one index write each). Default: the adapters' own (1000). */
  batchSize?: number;
  /** Whose records `adapters` read. Default: 'user'. */
  kind?: LinkKind;
}

/**
 * Indexes every record of the synced systems, streaming: like a change-data-capture pipeline's
 * initial snapshot, what a first start does before its workers take jobs, so that gather finds
 * the claims and emails of records written before idsync ran.
 */
export async function buildLinkIndex(
  pool: Pool,
  adapters: Adapters,
  platforms: readonly Platform[],
  options: BuildLinkIndexOptions = {},
): Promise<{ records: number }> {
  const scanned = PLATFORMS.filter((platform) => platforms.includes(platform) && adapters[platform] !== undefined);
  const kind = options.kind ?? 'user';
  const rebuild = await startLinkIndexRebuild(pool, scanned, { kind });
  let records = 0;
  try {
    await Promise.all(
      scanned.map(async (platform) => {
        for await (const batch of (adapters[platform] as PlatformAdapter).scan({ batchSize: options.batchSize })) {
          records += batch.length;
          await rebuild.add(batch);
        }
      }),
    );
    await rebuild.finish();
  } finally {
    rebuild.close();
  }
  return { records };
}
