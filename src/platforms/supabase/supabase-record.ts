import { readIdMap } from '../../ids/index.ts';
import { normalizeStoredEmail } from '../adapter-support.ts';
import type { PersonRecord, UnreadableLink } from '../person-record.ts';

/*
 * Supabase Auth's `auth.users` as idsync reads it. Links live in
 * `raw_app_meta_data -> 'external_ids'` only: `raw_user_meta_data` is the user's own to write, so
 * nothing in it is ever read as a link.
 */

/**
 * The columns a record needs. The map comes as jsonb's own text, so the compare-and-set compares
 * against exactly what was read. GoTrue always sets `created_at`, but the column allows NULL and a
 * record needs a date: such a user counts as the oldest.
 */
export const SUPABASE_COLUMNS = `id::text as id, email, (raw_app_meta_data -> 'external_ids')::text as external_ids,
  coalesce(created_at, 'epoch'::timestamptz) as created_at`;

/** A soft-deleted user (GoTrue's `should_soft_delete`) is gone for idsync: every read has this condition. */
export const LIVE_USER = 'deleted_at is null';

/** The ASCII whitespace String.prototype.trim removes; btrim alone would strip spaces only. */
export const TRIMMED_CHARACTERS = ' \t\n\r\f\v';

export interface SupabaseRow {
  /** A uuid, as Postgres prints it: lower-case, canonical. */
  id: string;
  email: string | null;
  /** jsonb as text; null when app_metadata has no `external_ids`. */
  external_ids: string | null;
  created_at: Date;
}

export interface SupabaseSnapshot {
  readonly kind: 'supabase-user';
  /** `raw_app_meta_data -> 'external_ids'` as read, in jsonb's text form. */
  readonly externalIds: string | null;
}

export function isSupabaseSnapshot(value: unknown): value is SupabaseSnapshot {
  if (typeof value !== 'object' || value === null) return false;
  const snapshot = value as Partial<Record<keyof SupabaseSnapshot, unknown>>;
  return snapshot.kind === 'supabase-user' && (snapshot.externalIds === null || typeof snapshot.externalIds === 'string');
}

/** jsonb text always parses; SQL NULL reads as nothing stored. */
export function parseJsonb(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

/** An `auth.users` row as a PersonRecord. */
export function toSupabaseRecord(row: SupabaseRow): PersonRecord {
  const stored = parseJsonb(row.external_ids);
  const map = readIdMap('supabase', stored);
  const unreadable: UnreadableLink[] = map.malformed.map(({ platform, value, reason }) => ({ platform, value, reason }));
  if (map.shape === 'not-an-object') unreadable.push({ platform: null, value: stored, reason: 'bad-format' });
  const snapshot: SupabaseSnapshot = { kind: 'supabase-user', externalIds: row.external_ids };
  return {
    platform: 'supabase',
    id: row.id,
    email: normalizeStoredEmail(row.email),
    createdAt: row.created_at,
    links: map.links,
    extraLinks: {},
    unreadable,
    snapshot,
  };
}
