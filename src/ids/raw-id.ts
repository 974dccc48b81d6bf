import { codes, InvalidInputError } from '../errors.ts';
import { describeValue, parsePlatform, PLATFORMS } from './platforms.ts';
import type { Platform } from './platforms.ts';

/** Why a value is not an ID. A stable code: findings and tests branch on it, never on text. */
export type MalformedReason = 'not-a-string' | 'empty' | 'too-long' | 'bad-format';

/** Reasons an entry of a stored map or array is rejected, beyond not being an ID at all. */
export type EntryMalformedReason = MalformedReason | 'self-reference';

export type IdParse = { ok: true; id: string } | { ok: false; reason: MalformedReason };

export interface RecordKey {
  platform: Platform;
  id: string;
}

const OBJECT_ID_LENGTH = 24;
const UUID_LENGTH = 36;
/** The ERP's ids are short (`bm_1042`); the bound only exists so that junk is rejected cheaply. */
export const BOOKMASTER_ID_MAX_LENGTH = 64;

export const RAW_ID_MAX_LENGTH: Readonly<Record<Platform, number>> = Object.freeze({
  crm: OBJECT_ID_LENGTH,
  omnistack: OBJECT_ID_LENGTH,
  supabase: UUID_LENGTH,
  bookmaster: BOOKMASTER_ID_MAX_LENGTH,
});

/**
 * Prefixes a stored map value may carry in front of its raw ID (reading is tolerant).
 * `omni_` is the legacy form the original guide wrote. Bookmaster ids carry their own `bm_`.
 */
export const TOLERATED_PREFIXES: Readonly<Record<Platform, readonly string[]>> = Object.freeze({
  crm: ['crm_'],
  omnistack: ['omnistack_', 'omni_'],
  supabase: ['supabase_'],
  bookmaster: [],
});

interface IdFormat {
  pattern: RegExp;
  canonical: (id: string) => string;
}

const lowerCase = (id: string): string => id.toLowerCase();
// Bookmaster ids are opaque text keys: `bm_AB1` and `bm_ab1` may be two different rows.
const asIs = (id: string): string => id;

const OBJECT_ID_FORMAT: IdFormat = { pattern: /^[0-9a-f]{24}$/i, canonical: lowerCase };

const FORMATS: Readonly<Record<Platform, IdFormat>> = {
  crm: OBJECT_ID_FORMAT,
  omnistack: OBJECT_ID_FORMAT,
  supabase: { pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, canonical: lowerCase },
  bookmaster: { pattern: /^bm_[0-9A-Za-z]+$/, canonical: asIs },
};

const RECORD_KEY_SEPARATOR = ':';
const RECORD_KEY_MAX_LENGTH =
  Math.max(...PLATFORMS.map((platform) => platform.length)) +
  RECORD_KEY_SEPARATOR.length +
  Math.max(...Object.values(RAW_ID_MAX_LENGTH));

/**
 * Validates a raw ID of `platform` and returns its canonical form. The type and length are checked
 * before any pattern runs, so an operator object or a 10 kB string costs nothing to reject.
 */
export function parseRawId(platform: Platform, value: unknown): IdParse {
  const format = FORMATS[parsePlatform(platform)];
  if (typeof value !== 'string') return { ok: false, reason: 'not-a-string' };
  if (value.length === 0) return { ok: false, reason: 'empty' };
  if (value.length > RAW_ID_MAX_LENGTH[platform]) return { ok: false, reason: 'too-long' };
  if (!format.pattern.test(value)) return { ok: false, reason: 'bad-format' };
  return { ok: true, id: format.canonical(value) };
}

/** Like parseRawId, but first strips one of the platform's TOLERATED_PREFIXES (stored values). */
export function parseTolerantId(platform: Platform, value: unknown): IdParse {
  if (typeof value !== 'string') return { ok: false, reason: 'not-a-string' };
  const prefix = TOLERATED_PREFIXES[parsePlatform(platform)].find((candidate) => value.startsWith(candidate));
  return parseRawId(platform, prefix === undefined ? value : value.slice(prefix.length));
}

/** The canonical raw ID, or InvalidInputError `codes.INVALID_ID`: for writers and queries. */
export function requireRawId(platform: Platform, value: unknown): string {
  const parsed = parseRawId(platform, value);
  if (parsed.ok) return parsed.id;
  throw invalidId(`not a ${platform} id (${parsed.reason}): ${describeValue(value)}`);
}

/**
 * Parses `<platform>:<id>` as the CLI and job payloads write it. The id must be raw (no prefix);
 * upper-case hex is accepted and canonicalised.
 */
export function parseRecordKey(value: unknown): RecordKey {
  if (typeof value !== 'string') throw invalidId(`a record key must be a string, got ${describeValue(value)}`);
  if (value.length > RECORD_KEY_MAX_LENGTH) throw invalidId(`record key too long: ${describeValue(value)}`);
  const separatorAt = value.indexOf(RECORD_KEY_SEPARATOR);
  if (separatorAt < 0) throw invalidId(`expected <platform>:<id>, got ${describeValue(value)}`);
  const platform = parsePlatform(value.slice(0, separatorAt));
  return { platform, id: requireRawId(platform, value.slice(separatorAt + RECORD_KEY_SEPARATOR.length)) };
}

/** The inverse of parseRecordKey; also the dedupe key of reconcile jobs. */
export function formatRecordKey(key: RecordKey): string {
  return `${key.platform}${RECORD_KEY_SEPARATOR}${requireRawId(key.platform, key.id)}`;
}

function invalidId(message: string): InvalidInputError {
  return new InvalidInputError(codes.INVALID_ID, message);
}
