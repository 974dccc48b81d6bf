import { hash } from 'node:crypto';
import { PLATFORMS } from '../ids/index.ts';
import type { RecordKey } from '../ids/index.ts';
import { claimsOf } from '../platforms/person-record.ts';
import type { PersonRecord } from '../platforms/person-record.ts';

/** A record's row in the link index, as the statements take it (JSON). */
export interface LinkRow {
  readonly platform: string;
  readonly record_id: string;
  /** sha256 of the normalized email, hex; null when the record has none. */
  readonly email_hash: string | null;
  /** `<platform>:<id>` of every record it claims. */
  readonly claims: readonly string[];
  /**
   * The record's fingerprint when a completed reconcile settles it; null leaves the held one as it
   * is (a row only read, or written by a rebuild).
   */
  readonly settled: string | null;
}

/** What the index held for records, by `claimText`: a row, or null for none (a key absent from the map: not known). */
export type HeldRows = ReadonlyMap<string, LinkRow | null>;

/** Whether `held` says what `row` says, its settled fingerprint too when it carries one (a row not known, or none, does not). */
export function sameRow(held: LinkRow | null | undefined, row: LinkRow): boolean {
  if (held == null || held.email_hash !== row.email_hash || held.claims.length !== row.claims.length) return false;
  if (row.settled !== null && held.settled !== row.settled) return false;
  return held.claims.every((claim, at) => claim === row.claims[at]);
}

/** The index's form of a record key. Records and keys reaching it are canonical already. */
export function claimText(key: RecordKey): string {
  return `${key.platform}:${key.id}`;
}

/** A row's record key in the index's form: claimText of the record it was made from. */
export function rowKey(row: Pick<LinkRow, 'platform' | 'record_id'>): string {
  return `${row.platform}:${row.record_id}`;
}

/**
 * The index keeps a hash, never the address: the email is matched, not stored. The one-shot
 * `hash` takes a quarter of createHash's time on an address; an audit hashes one per record.
 */
export function emailHash(email: string): string {
  return hash('sha256', email, 'hex');
}

/**
 * A hash of everything the planner reads of a record, and of a CRM user's name, which the profile
 * propagates: two reads with one fingerprint plan alike and propagate alike. Entries go in PLATFORMS
 * order, so the order a system keeps them in does not count; the email and the name are hashed
 * with the rest, never stored. A record read without a name (every other platform's) hashes as
 * it did before names counted.
 */
export function fingerprint(record: PersonRecord): string {
  const links = PLATFORMS.map((platform) => [record.links[platform] ?? null, record.extraLinks[platform] ?? []]);
  const unreadable = record.unreadable.map((entry) => [entry.platform, entry.reason, JSON.stringify(entry.value) ?? null]);
  const read = [record.platform, record.id, record.email, record.createdAt.getTime(), links, unreadable];
  if (record.name !== undefined) read.push(record.name);
  return hash('sha256', JSON.stringify(read), 'hex');
}

/**
 * Whether `record` reads exactly as the last reconcile that completed with it left it (the settled
 * fingerprint `held` has for it): a change to it carries nothing a reconcile would act on.
 */
export function readsAsSettled(record: PersonRecord, held: HeldRows): boolean {
  const settled = held.get(claimText(record))?.settled ?? null;
  return settled !== null && settled === fingerprint(record);
}

/** The record's row; with `settle`, carrying its fingerprint as settled. */
export function linkRow(record: PersonRecord, settle = false): LinkRow {
  return {
    platform: record.platform,
    record_id: record.id,
    email_hash: record.email === null ? null : emailHash(record.email),
    claims: claimsOf(record).map(claimText),
    settled: settle ? fingerprint(record) : null,
  };
}

/**
 * One row per record, in key order: Postgres refuses to upsert a row twice in one statement, and
 * every writer taking row locks in the same order cannot deadlock another. The records whose
 * claimText is in `settle` carry their fingerprints.
 */
export function linkRows(records: readonly PersonRecord[], settle: ReadonlySet<string> = new Set()): LinkRow[] {
  const byKey = new Map(records.map((record) => [claimText(record), linkRow(record, settle.has(claimText(record)))]));
  return [...byKey.entries()].sort(([left], [right]) => compareText(left, right)).map(([, row]) => row);
}

/** Code-unit order, the same in every process (no locale). */
export function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
