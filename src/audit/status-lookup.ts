import type { Pool } from 'pg';
import { codes, IdsyncError } from '../errors.ts';
import { formatRecordKey, parseRecordKey, requireRawId } from '../ids/index.ts';
import type { RecordKey } from '../ids/index.ts';
import { createSyncStatusStore } from '../ledger/sync-status.ts';
import type { SyncStatus } from '../ledger/sync-status.ts';
import type { LinkLookups } from '../link-index/link-index.ts';
import { claims } from '../platforms/person-record.ts';
import type { Adapters } from '../platforms/platform-adapter.ts';

/*
 * `idsync status` and GET /api/status take any system's record and answer for its person, whose
 * status the audit keeps under their CRM user id.
 */

// A word before the colon names a platform (an unknown one is codes.UNKNOWN_PLATFORM); anything else is an id.
const PLATFORM_PREFIX = /^[a-z]+:/;

/** `<platform>:<id>`, or a bare id, which is a CRM user id (as `idsync status` always took). */
export function parseStatusTarget(value: string): RecordKey {
  return PLATFORM_PREFIX.test(value) ? parseRecordKey(value) : { platform: 'crm', id: requireRawId('crm', value) };
}

export interface StatusLookup {
  readonly ledgerPool: Pool;
  /** The CRM id the live systems give a record (crmIdThroughAdapters). Default: none, the ledger alone answers. */
  readonly crmIdFromPlatforms?: (key: RecordKey) => Promise<string | null>;
}

// The latest person a finding or a write about this record was filed under, when that is a CRM user.
const CRM_KEY_OF_RECORD = `
select person_key from (
  select person_key, last_seen_at as seen from findings where platform = $1 and record_id = $2
  union all
  select person_key, written_at from sync_writes where platform = $1 and record_id = $2
) as sightings
where person_key like 'crm:%'
order by seen desc limit 1`;

/** The person's status for any of their records; codes.NOT_FOUND, with the reconcile that would check them, when no audit has. */
export async function statusOf(key: RecordKey, lookup: StatusLookup): Promise<SyncStatus> {
  const crmId = await crmIdOf(key, lookup);
  const status = crmId === null ? null : await createSyncStatusStore(lookup.ledgerPool).get(crmId);
  if (status !== null) return status;
  const record = formatRecordKey(key);
  const person = crmId === null || key.platform === 'crm' ? '' : ` (crm user ${crmId})`;
  throw new IdsyncError(codes.NOT_FOUND, `no audit has checked ${record}${person} yet: run \`idsync reconcile ${record}\` or \`idsync audit\``);
}

/** The ledger first (no system is read); the live systems only when it has never filed the record under a CRM user. */
async function crmIdOf(key: RecordKey, lookup: StatusLookup): Promise<string | null> {
  if (key.platform === 'crm') return key.id;
  const { rows } = await lookup.ledgerPool.query<{ person_key: string }>(CRM_KEY_OF_RECORD, [key.platform, key.id]);
  const filed = rows[0]?.person_key.slice('crm:'.length);
  if (filed !== undefined) return filed;
  return (await lookup.crmIdFromPlatforms?.(key)) ?? null;
}

/**
 * The CRM user a record links to, or else the one CRM user that claims it (found through the link
 * index, confirmed by reading it); null when neither exists.
 */
export function crmIdThroughAdapters(adapters: Adapters, links: LinkLookups): (key: RecordKey) => Promise<string | null> {
  return async (key) => {
    const record = await adapters[key.platform]?.get(key.id);
    if (record?.links.crm !== undefined) return record.links.crm;
    const hinted = (await links.claimersOf([key])).filter((claimer) => claimer.platform === 'crm');
    const claimants = ((await adapters.crm?.getMany(hinted.map((claimer) => claimer.id))) ?? []).filter((crm) => claims(crm, key.platform, key.id));
    return claimants.length === 1 ? (claimants[0]?.id ?? null) : null;
  };
}
