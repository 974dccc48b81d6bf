import { createHash } from 'node:crypto';
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
}

/** What the index held for records, by `claimText`: a row, or null for none (a key absent from the map: not known). */
export type HeldRows = ReadonlyMap<string, LinkRow | null>;

/** Whether `held` says what `row` says (a row not known, or none, does not). */
export function sameRow(held: LinkRow | null | undefined, row: LinkRow): boolean {
  if (held == null || held.email_hash !== row.email_hash || held.claims.length !== row.claims.length) return false;
  return held.claims.every((claim, at) => claim === row.claims[at]);
}

/** The index's form of a record key. Records and keys reaching it are canonical already. */
export function claimText(key: RecordKey): string {
  return `${key.platform}:${key.id}`;
}

/** The index keeps a hash, never the address: the email is matched, not stored. */
export function emailHash(email: string): string {
  return createHash('sha256').update(email).digest('hex');
}

export function linkRow(record: PersonRecord): LinkRow {
  return {
    platform: record.platform,
    record_id: record.id,
    email_hash: record.email === null ? null : emailHash(record.email),
    claims: claimsOf(record).map(claimText),
  };
}

/**
 * One row per record, in key order: Postgres refuses to upsert a row twice in one statement, and
 * every writer taking row locks in the same order cannot deadlock another.
 */
export function linkRows(records: readonly PersonRecord[]): LinkRow[] {
  const byKey = new Map(records.map((record) => [claimText(record), linkRow(record)]));
  return [...byKey.entries()].sort(([left], [right]) => compareText(left, right)).map(([, row]) => row);
}

/** Code-unit order, the same in every process (no locale). */
export function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
