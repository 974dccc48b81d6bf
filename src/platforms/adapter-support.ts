import { codes, InvalidInputError } from '../errors.ts';
import { describeValue, parsePlatform, PLATFORMS, requireRawId } from '../ids/index.ts';
import type { Platform } from '../ids/index.ts';
import type { PersonRecord } from './person-record.ts';

/*
 * Input checks and small rules every adapter shares, so that the three (soon four) systems judge
 * a LinkChange, an email or a batch size the same way.
 */

/**
 * A LinkChange checked for one owner: for each platform it names, in PLATFORMS order, the canonical
 * id to store, or null to store nothing. The owner's own platform always maps to null: a record
 * never links to its own platform (writeIdMap leaves it out too), so naming it only clears
 * self-references.
 */
export type LinkTargets = ReadonlyMap<Platform, string | null>;

/** RFC 5321 allows 64 octets of local part, `@` and 255 of domain. */
export const EMAIL_MAX_LENGTH = 320;
/** C0 controls end below this code; DEL is the one control above. */
const FIRST_PRINTABLE = 0x20;
const DELETE = 0x7f;

/** Records per scan batch when the caller does not say (PlatformAdapter.scan's documented default). */
export const DEFAULT_SCAN_BATCH_SIZE = 1000;
/** Bounds one round trip's size: a batch is held in memory whole. */
export const MAX_SCAN_BATCH_SIZE = 10_000;

/**
 * Validates a LinkChange from any source (it may carry further properties, as a LinkPatch does).
 * Throws InvalidInputError: codes.INVALID_CHANGE for a bad shape or a platform both set and
 * unset, codes.UNKNOWN_PLATFORM, codes.INVALID_ID for a value that is not a raw id.
 */
export function requireLinkChange(owner: Platform, change: unknown): LinkTargets {
  if (!isObject(change) || !isObject(change.set) || !Array.isArray(change.unset)) {
    throw invalidChange('a link change needs a `set` object and an `unset` array');
  }
  const named = new Map<Platform, string | null>();
  for (const [key, value] of Object.entries(change.set)) {
    // `{ crm: undefined }` is how a Partial<Links> spells "not named".
    if (value !== undefined) named.set(parsePlatform(key), requireRawId(parsePlatform(key), value));
  }
  for (const entry of change.unset as unknown[]) {
    const platform = parsePlatform(entry);
    if (typeof named.get(platform) === 'string') throw invalidChange(`platform ${platform} is both set and unset`);
    named.set(platform, null);
  }
  const targets = new Map<Platform, string | null>();
  for (const platform of PLATFORMS) {
    const id = named.get(platform);
    if (id !== undefined) targets.set(platform, platform === owner ? null : id);
  }
  return targets;
}

/** Whether the change stores at least one link (as opposed to only removing entries). */
export function setsAnyLink(targets: LinkTargets): boolean {
  return [...targets.values()].some((id) => id !== null);
}

/** The record's canonical id, after checking that the record is one of `owner`'s. */
export function requireOwnRecord(owner: Platform, record: PersonRecord): string {
  if (!isObject(record) || record.platform !== owner) {
    throw new InvalidInputError(codes.INVALID_RECORD, `not a ${owner} record`);
  }
  return requireRawId(owner, record.id);
}

/** A record's snapshot that another adapter (or no adapter) made cannot guard this adapter's write. */
export function invalidSnapshot(owner: Platform): InvalidInputError {
  return new InvalidInputError(codes.INVALID_SNAPSHOT, `the record's snapshot was not read by the ${owner} adapter`);
}

/** An email as matching sees it: trimmed and lower-cased; null when there is none to match. */
export function normalizeStoredEmail(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const normalized = value.trim().toLowerCase();
  return normalized.length === 0 ? null : normalized;
}

/**
 * An email offered to findByEmail, normalized; InvalidInputError codes.INVALID_EMAIL when it
 * is not a string, is blank, is longer than EMAIL_MAX_LENGTH or holds a control character.
 */
export function requireEmailQuery(value: unknown): string {
  const normalized = normalizeStoredEmail(value);
  if (normalized === null || normalized.length > EMAIL_MAX_LENGTH || hasControlCharacter(normalized)) {
    throw new InvalidInputError(codes.INVALID_EMAIL, `not an email to search for: ${describeValue(value)}`);
  }
  return normalized;
}


/** The batch size of a scan; InvalidInputError codes.INVALID_BATCH_SIZE when out of range. */
export function requireBatchSize(value: unknown): number {
  if (value === undefined) return DEFAULT_SCAN_BATCH_SIZE;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_SCAN_BATCH_SIZE) {
    throw new InvalidInputError(
      codes.INVALID_BATCH_SIZE,
      `batch size must be an integer from 1 to ${MAX_SCAN_BATCH_SIZE}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** A control character cannot be in a real address, and NUL cannot even be sent in a BSON regex. */
function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < FIRST_PRINTABLE || code === DELETE) return true;
  }
  return false;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function invalidChange(message: string): InvalidInputError {
  return new InvalidInputError(codes.INVALID_CHANGE, message);
}
