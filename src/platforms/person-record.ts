import { PLATFORMS } from '../ids/index.ts';
import type { EntryMalformedReason, Links, Platform, RecordKey } from '../ids/index.ts';

/** A link field entry that could not be read as an ID: a finding, never copied anywhere. */
export interface UnreadableLink {
  /** The platform the entry claims to point at, when that much is known. */
  readonly platform: Platform | null;
  readonly value: unknown;
  readonly reason: EntryMalformedReason;
}

/**
 * One system's record of a person as reconcile sees it: its identity, what matching needs, and its
 * link fields read tolerantly into one shape whatever the system's own format. Adapters
 * produce it; the planner decides on it; nothing else about a system's schema leaks past the adapter.
 */
export interface PersonRecord {
  readonly platform: Platform;
  /** The canonical raw id. */
  readonly id: string;
  /** Trimmed and lower-cased, for matching only: never logged, never written to the ledger. */
  readonly email: string | null;
  /** For "most recent" decisions: the ObjectId's timestamp, or `created_at`. */
  readonly createdAt: Date;
  /** The one claimed id per platform, read from the record's link fields. */
  readonly links: Links;
  /**
   * Further, different ids the record claims for a platform: a second `crm_` entry in OmniStack's
   * array, or a CRM `supabaseId` that differs from `externalIds.supabase`. Each is a candidate the
   * planner must judge; a written record never keeps any.
   */
  readonly extraLinks: Partial<Record<Platform, readonly string[]>>;
  readonly unreadable: readonly UnreadableLink[];
  /**
   * A CRM user's name, normalized, read by key only (not by a scan): the `propagate profile` job's
   * source besides the email, so that a settled fingerprint covers it (src/link-index/link-rows.ts).
   * Never logged, never stored. Absent for every other record.
   */
  readonly name?: string | null;
  /**
   * The link fields exactly as read, opaque to everyone but the adapter that made it: writeLinks
   * compares against it, so a write based on a stale read fails instead of losing an update.
   */
  readonly snapshot: unknown;
}

/**
 * A change to one record's links. `set` replaces everything stored for each named platform (the
 * link, extra ids and unreadable entries attributed to it); `unset` removes everything stored for
 * each named platform. Platforms named in neither, and entries that belong to other systems
 * (foreign keys and prefixes), are left exactly as they are.
 */
export interface LinkChange {
  readonly set: Links;
  readonly unset: readonly Platform[];
}

/** The ids a record claims for one platform: its link, then its extra (conflicting) ids. */
export function claimedIds(record: PersonRecord, platform: Platform): string[] {
  const link = record.links[platform];
  return [...(link === undefined ? [] : [link]), ...(record.extraLinks[platform] ?? [])];
}

/** Every record a record claims, in PLATFORMS order. A loop, since gather and the audit call it per record and step. */
export function claimsOf(record: PersonRecord): RecordKey[] {
  const claims: RecordKey[] = [];
  for (const platform of PLATFORMS) {
    const link = record.links[platform];
    if (link !== undefined) claims.push({ platform, id: link });
    for (const id of record.extraLinks[platform] ?? []) claims.push({ platform, id });
  }
  return claims;
}

/** Whether `record` claims (`platform`, `id`), as its link or as an extra id. */
export function claims(record: PersonRecord, platform: Platform, id: string): boolean {
  return claimedIds(record, platform).includes(id);
}

/** The record as it reads once `change` is written: what idsync indexes after a write lands. */
export function withChange(record: PersonRecord, change: LinkChange): PersonRecord {
  const touched = new Set<Platform>([...(Object.keys(change.set) as Platform[]), ...change.unset]);
  const keep = <T>(entries: Partial<Record<Platform, T>>) =>
    Object.fromEntries(Object.entries(entries).filter(([platform]) => !touched.has(platform as Platform))) as Partial<Record<Platform, T>>;
  return {
    ...record,
    links: { ...keep(record.links), ...change.set },
    extraLinks: keep(record.extraLinks),
    unreadable: record.unreadable.filter((entry) => entry.platform === null || !touched.has(entry.platform)),
  };
}
