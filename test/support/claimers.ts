import { requireRawId } from '../../src/ids/index.ts';
import type { Platform } from '../../src/ids/index.ts';
import { claims } from '../../src/platforms/person-record.ts';
import type { PersonRecord } from '../../src/platforms/person-record.ts';
import type { PlatformAdapter } from '../../src/platforms/platform-adapter.ts';

/**
 * The records of `adapter` that claim (`platform`, `id`) once read: every stored form the
 * adapter's reading tolerates counts, whatever the link index later makes of it. `among` names the
 * records to read (a store shared with other tests, like the Supabase one); without it the whole
 * store is scanned (a namespace of the test's own).
 */
export async function claimersIn(adapter: Pick<PlatformAdapter, 'scan' | 'getMany'>, platform: Platform, id: string, among?: readonly string[]): Promise<PersonRecord[]> {
  const canonical = requireRawId(platform, id);
  const read: PersonRecord[] = [];
  if (among) read.push(...(await adapter.getMany(among)));
  else for await (const batch of adapter.scan()) read.push(...batch);
  return read.filter((record) => record.platform !== platform && claims(record, platform, canonical));
}
