import { parseRawId, readIdMap } from '../../ids/index.ts';
import { normalizeStoredEmail } from '../adapter-support.ts';
import type { PersonRecord, UnreadableLink } from '../person-record.ts';

/**
 * The columns a record needs. `external_ids` comes as jsonb's own text: parsing it here (rather
 * than letting the driver do it) keeps the exact stored text for the compare-and-set operand, so
 * a number that JavaScript cannot hold exactly still compares equal to itself.
 */
export const BOOKMASTER_COLUMNS = 'id, email, external_ids::text as external_ids, created_at';

export interface BookmasterRow {
  id: string;
  email: unknown;
  /** jsonb as text; null for SQL NULL (the dev schema forbids it, the real ERP may not). */
  external_ids: string | null;
  created_at: Date;
}

export interface BookmasterSnapshot {
  readonly kind: 'bookmaster-user';
  /** `external_ids` as read, in jsonb's text form. */
  readonly externalIds: string | null;
}

export function isBookmasterSnapshot(value: unknown): value is BookmasterSnapshot {
  if (typeof value !== 'object' || value === null) return false;
  const snapshot = value as Partial<Record<keyof BookmasterSnapshot, unknown>>;
  return snapshot.kind === 'bookmaster-user' && (snapshot.externalIds === null || typeof snapshot.externalIds === 'string');
}

/** jsonb text always parses; SQL NULL reads as no map. */
export function parseExternalIds(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

/** A `users` row as a PersonRecord; null for an id that is not a Bookmaster id (a foreign ERP row). */
export function toBookmasterRecord(row: BookmasterRow): PersonRecord | null {
  const parsedId = parseRawId('bookmaster', row.id);
  if (!parsedId.ok) return null;
  const stored = parseExternalIds(row.external_ids);
  const map = readIdMap('bookmaster', stored);
  const unreadable: UnreadableLink[] = map.malformed.map(({ platform, value, reason }) => ({ platform, value, reason }));
  if (map.shape === 'not-an-object') unreadable.push({ platform: null, value: stored, reason: 'bad-format' });
  const snapshot: BookmasterSnapshot = { kind: 'bookmaster-user', externalIds: row.external_ids };
  return {
    platform: 'bookmaster',
    id: parsedId.id,
    email: normalizeStoredEmail(row.email),
    createdAt: row.created_at,
    links: map.links,
    extraLinks: {},
    unreadable,
    snapshot,
  };
}
