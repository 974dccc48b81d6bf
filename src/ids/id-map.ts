import { codes, InvalidInputError } from '../errors.ts';
import { describeValue, isPlatform, otherPlatforms } from './platforms.ts';
import type { Links, Platform } from './platforms.ts';
import { parseTolerantId, requireRawId } from './raw-id.ts';
import type { EntryMalformedReason } from './raw-id.ts';

/**
 * The ID maps: CRM `User.externalIds`, Supabase `app_metadata.external_ids`,
 * Bookmaster `external_ids`. Each holds raw IDs keyed by platform key, never its owner's key.
 */

export interface MalformedLink {
  platform: Platform;
  value: unknown;
  reason: EntryMalformedReason;
}

/** `absent` is null/undefined (no links yet); `not-an-object` is a finding, and writing replaces it. */
export type IdMapShape = 'absent' | 'object' | 'not-an-object';

export interface IdMapRead {
  shape: IdMapShape;
  links: Links;
  malformed: MalformedLink[];
  /** Keys that are not platform keys belong to someone else: writers put them back unchanged. */
  foreign: Record<string, unknown>;
}

/**
 * Reads a stored map tolerantly: upper-case hex and the platform's own prefixes (`crm_`,
 * `supabase_`, `omnistack_`, legacy `omni_`) are understood. Never throws.
 */
export function readIdMap(owner: Platform, value: unknown): IdMapRead {
  const read: IdMapRead = { shape: 'absent', links: {}, malformed: [], foreign: {} };
  if (value === null || value === undefined) return read;
  if (!isPlainObject(value)) return { ...read, shape: 'not-an-object' };
  read.shape = 'object';
  for (const [key, entry] of Object.entries(value)) {
    if (isPlatform(key)) readLink(owner, key, entry, read);
    else defineEntry(read.foreign, key, entry);
  }
  return read;
}

/**
 * The canonical map: raw IDs in PLATFORMS order, then foreign keys in their given order. The
 * owner's own link is left out, so a caller may pass a person's full set of links. Throws
 * InvalidInputError (`codes.INVALID_ID`) for a link that is not a valid raw ID, and
 * (`codes.INVALID_FOREIGN`) for a "foreign" key that is a platform key.
 */
export function writeIdMap(
  owner: Platform,
  links: Readonly<Links>,
  foreign: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  const written: Record<string, unknown> = {};
  for (const platform of otherPlatforms(owner)) {
    const id = links[platform];
    if (id !== undefined) written[platform] = requireRawId(platform, id);
  }
  for (const [key, entry] of Object.entries(foreign)) {
    if (isPlatform(key)) {
      throw new InvalidInputError(codes.INVALID_FOREIGN, `foreign key ${describeValue(key)} is a platform key`);
    }
    defineEntry(written, key, entry);
  }
  return written;
}

function readLink(owner: Platform, platform: Platform, value: unknown, read: IdMapRead): void {
  // null/undefined under a key is how drivers and JSON say "no link"; it is not worth a finding.
  if (value === null || value === undefined) return;
  if (platform === owner) {
    read.malformed.push({ platform, value, reason: 'self-reference' });
    return;
  }
  const parsed = parseTolerantId(platform, value);
  if (parsed.ok) read.links[platform] = parsed.id;
  else read.malformed.push({ platform, value, reason: parsed.reason });
}

/**
 * Only records as JSON, BSON documents and jsonb decode to: a Date, a BSON ObjectId or an array is
 * not a map, and reading its keys would invent links.
 */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Plain assignment of a foreign key such as `__proto__` would change the target's prototype
 * instead of storing the entry; defining the property keeps it as data.
 */
function defineEntry(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
