import { normalizeStoredEmail, requireEmailQuery } from './adapter-support.ts';

/*
 * The pure rules of the `propagate profile` job: when a target's email and name differ from the
 * CRM's, and what to write. A missing or blank CRM value never blanks a target's field.
 */

/** Both halves of a name as a system with two fields (OmniStack's `name`, `surname`) stores them. */
export interface NameParts {
  readonly name: string;
  /** Null for a one-word name: the stored surname is then left as it is. */
  readonly surname: string | null;
}

/** What to write for the name: only the fields that differ (at least one), and the rule used. */
export interface NameWrite {
  readonly set: Readonly<Partial<Record<'name' | 'surname', string>>>;
  readonly rule: 'crm-name-last-space' | 'crm-name-one-word';
}

/** Runs of whitespace become one space and the ends are trimmed; null for a non-string or a blank one. */
export function normalizeName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const normalized = value.replace(/\s+/g, ' ').trim();
  return normalized.length === 0 ? null : normalized;
}

/** Splits a normalized full name at its last space: given names, then the last word as surname. */
export function splitName(full: string): NameParts {
  const at = full.lastIndexOf(' ');
  return at < 0 ? { name: full, surname: null } : { name: full.slice(0, at), surname: full.slice(at + 1) };
}

/** The full name two stored fields show: each normalized, blanks left out; null when both are blank. */
export function joinName(name: unknown, surname: unknown): string | null {
  const parts = [normalizeName(name), normalizeName(surname)].filter((part): part is string => part !== null);
  return parts.length === 0 ? null : parts.join(' ');
}

/**
 * The name fields to write so that the stored pair shows the CRM name, or null. Nothing is written
 * when the CRM has no name or the stored pair already reads as it (whatever way it is split, and
 * whatever its spacing); otherwise the CRM name is split at its last space and each field that
 * differs is written. A one-word name sets `name` only.
 */
export function planName(crmName: unknown, stored: { readonly name: unknown; readonly surname: unknown }): NameWrite | null {
  const full = normalizeName(crmName);
  if (full === null || joinName(stored.name, stored.surname) === full) return null;
  const parts = splitName(full);
  const set: Partial<Record<'name' | 'surname', string>> = {};
  if (stored.name !== parts.name) set.name = parts.name;
  if (parts.surname !== null && stored.surname !== parts.surname) set.surname = parts.surname;
  if (Object.keys(set).length === 0) return null;
  return { set, rule: parts.surname === null ? 'crm-name-one-word' : 'crm-name-last-space' };
}

/**
 * The full name to write to a system that keeps one name field (Supabase's `user_metadata.name`),
 * or null: when the CRM has a name and the stored one does not read as it (spacing aside). The
 * CRM name is written normalized.
 */
export function planFullName(crmName: unknown, stored: unknown): string | null {
  const full = normalizeName(crmName);
  return full === null || normalizeName(stored) === full ? null : full;
}

/**
 * A CRM email fit to copy, trimmed (its letter case kept), or null: not a string, blank, longer
 * than an address may be, holding a control character, or not `local@domain`.
 */
export function usableEmail(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  try {
    requireEmailQuery(trimmed);
  } catch {
    return null;
  }
  return /^[^\s@]+@[^\s@]+$/.test(trimmed) ? trimmed : null;
}

/**
 * The email to write, or null: when the CRM has a usable one and the stored one differs from it
 * other than in letter case and surrounding whitespace (as matching compares emails).
 */
export function planEmail(crmEmail: unknown, stored: unknown): string | null {
  const email = usableEmail(crmEmail);
  if (email === null || normalizeStoredEmail(stored) === normalizeStoredEmail(email)) return null;
  return email;
}

/** Whether a stored name or email holds anything (for the ledger's "it had a value" marker). */
export function hasText(...values: readonly unknown[]): boolean {
  return values.some((value) => typeof value === 'string' && value.trim().length > 0);
}
