import { requireRawId } from '../../src/ids/index.ts';
import type { Platform } from '../../src/ids/index.ts';
import { claims } from '../../src/platforms/person-record.ts';
import type { PersonRecord } from '../../src/platforms/person-record.ts';
import type { PlatformAdapter } from '../../src/platforms/platform-adapter.ts';

/**
 * The records of `adapter` that claim (`platform`, `id`) once read: every stored form the
 * adapter's reading tolerates counts, whatever the link index later makes of it.
 */
export async function claimersIn(adapter: Pick<PlatformAdapter, 'scan'>, platform: Platform, id: string): Promise<PersonRecord[]> {
  const canonical = requireRawId(platform, id);
  const found: PersonRecord[] = [];
  for await (const batch of adapter.scan()) found.push(...batch.filter((record) => record.platform !== platform && claims(record, platform, canonical)));
  return found;
}
