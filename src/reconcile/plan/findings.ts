import { PLATFORMS } from '../../ids/index.ts';
import type { Platform, RecordKey } from '../../ids/index.ts';
import { claimedIds } from '../../platforms/person-record.ts';
import type { PersonRecord } from '../../platforms/person-record.ts';
import type { Finding } from '../plan-model.ts';
import { recordKeyOf } from './order.ts';

type OrphanFinding = Extract<Finding, { kind: 'orphan' }>;
type MalformedFinding = Extract<Finding, { kind: 'malformed-id' }>;
type MissingFinding = Extract<Finding, { kind: 'missing' }>;

/**
 * The keys known not to exist: those gather looked up in vain, and the origin when it is not among
 * the records (gather always loads the origin first, so its absence there means it is gone).
 */
export function absentKeys(absent: readonly RecordKey[], origin: RecordKey, records: readonly PersonRecord[]): Set<string> {
  const keys = new Set(absent.map((key) => recordKeyOf(key.platform, key.id)));
  const originFound = records.some((record) => record.platform === origin.platform && record.id === origin.id);
  if (!originFound) keys.add(recordKeyOf(origin.platform, origin.id));
  return keys;
}

/** Validate: each claim on a record that does not exist, per record in the given order. */
export function orphanFindings(records: readonly PersonRecord[], absent: ReadonlySet<string>): OrphanFinding[] {
  // Nearly every person has no absent key; the audit plans a million of them.
  if (absent.size === 0) return [];
  return records.flatMap((record) =>
    PLATFORMS.flatMap((claimedPlatform) =>
      [...new Set(claimedIds(record, claimedPlatform))]
        .filter((claimedId) => absent.has(recordKeyOf(claimedPlatform, claimedId)))
        .map((claimedId): OrphanFinding => ({
          kind: 'orphan',
          platform: record.platform,
          recordId: record.id,
          claimedPlatform,
          claimedId,
        })),
    ),
  );
}

/**
 * One finding per unreadable entry, in the record's stored order. The raw value is left out on
 * purpose: it may be a secret, an operator object or 10 kB of junk, and findings reach the ledger.
 */
export function malformedFindings(records: readonly PersonRecord[]): MalformedFinding[] {
  return records.flatMap((record) =>
    record.unreadable.map((entry): MalformedFinding => ({
      kind: 'malformed-id',
      platform: record.platform,
      recordId: record.id,
      claimedPlatform: entry.platform,
      reason: entry.reason,
    })),
  );
}

/** Required platforms where the person has no record at all (an undecided conflict is not missing). */
export function missingFindings(required: readonly Platform[], contested: ReadonlySet<Platform>): MissingFinding[] {
  return PLATFORMS.filter((platform) => required.includes(platform) && !contested.has(platform)).map(
    (platform): MissingFinding => ({ kind: 'missing', platform }),
  );
}
