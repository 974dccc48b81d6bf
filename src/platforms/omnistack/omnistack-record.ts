import { ObjectId } from 'mongodb';
import type { Document } from 'mongodb';
import { OMNI_LINKED_PLATFORMS, parseRawId, readOmniExternalIds, writeOmniExternalIds } from '../../ids/index.ts';
import type { Platform } from '../../ids/index.ts';
import { normalizeStoredEmail, setsAnyLink } from '../adapter-support.ts';
import type { LinkTargets } from '../adapter-support.ts';
import { fieldState, isFieldState } from '../mongo-link-fields.ts';
import type { FieldState } from '../mongo-link-fields.ts';
import type { PersonRecord, UnreadableLink } from '../person-record.ts';

/** Mongoose's collection name for the `User` model. */
export const OMNISTACK_USERS_COLLECTION = 'users';
/** Mongoose's collection name for the `Client` model. */
export const OMNISTACK_CLIENTS_COLLECTION = 'clients';

/** What a record needs: `metadata`, names and timestamps are never read, so never rewritten. */
export const OMNISTACK_PROJECTION = Object.freeze({ _id: 1, email: 1, external_ids: 1 });

export interface OmnistackSnapshot {
  readonly kind: 'omnistack-user';
  readonly externalIds: FieldState;
}

export function isOmnistackSnapshot(value: unknown): value is OmnistackSnapshot {
  if (typeof value !== 'object' || value === null) return false;
  const snapshot = value as Partial<Record<keyof OmnistackSnapshot, unknown>>;
  return snapshot.kind === 'omnistack-user' && isFieldState(snapshot.externalIds);
}

/** An OmniStack `users` document as a PersonRecord; null when its `_id` is not an ObjectId. */
export function toOmnistackRecord(document: Document): PersonRecord | null {
  const objectId: unknown = document._id;
  if (!(objectId instanceof ObjectId)) return null;
  const parsedId = parseRawId('omnistack', objectId.toHexString());
  if (!parsedId.ok) return null;
  const read = readOmniExternalIds(document.external_ids);
  const unreadable: UnreadableLink[] = read.malformed.map(({ platform, value, reason }) => ({ platform, value, reason }));
  if (read.shape === 'not-an-array') unreadable.push({ platform: null, value: document.external_ids, reason: 'bad-format' });
  const snapshot: OmnistackSnapshot = { kind: 'omnistack-user', externalIds: fieldState(document, 'external_ids') };
  return {
    platform: 'omnistack',
    id: parsedId.id,
    email: normalizeStoredEmail(document.email),
    createdAt: objectId.getTimestamp(),
    links: read.links,
    extraLinks: read.extra,
    unreadable,
    snapshot,
  };
}

/**
 * Applies a validated change to the stored `external_ids` array. Each entry is attributed to the
 * platform the codec reads it as (a link, a second id, or a malformed entry with that platform's
 * prefix). A set platform's first entry is replaced in place by the canonical entry and its other
 * entries are dropped; an unset platform's entries are all dropped; a platform without an entry
 * gets one appended. Foreign entries, and entries that no platform can claim, stay as they are
 * and where they are. A stored value that is not an array is replaced only when a link is stored.
 */
export function editExternalIds(stored: unknown, targets: LinkTargets): unknown {
  if (!Array.isArray(stored)) return setsAnyLink(targets) ? appendMissing([], targets, new Set()) : stored;
  const edited: unknown[] = [];
  const placed = new Set<Platform>();
  for (const entry of stored as unknown[]) {
    const platform = entryPlatform(entry);
    const id = platform === null ? undefined : targets.get(platform);
    if (platform === null || id === undefined) edited.push(entry);
    else if (id !== null && !placed.has(platform)) {
      edited.push(...canonicalEntry(platform, id));
      placed.add(platform);
    }
  }
  return appendMissing(edited, targets, placed);
}

function appendMissing(edited: unknown[], targets: LinkTargets, placed: ReadonlySet<Platform>): unknown[] {
  for (const [platform, id] of targets) {
    if (id !== null && !placed.has(platform)) edited.push(...canonicalEntry(platform, id));
  }
  return edited;
}

/** The platform an entry belongs to, read by the codec itself so that both always agree. */
function entryPlatform(entry: unknown): Platform | null {
  const read = readOmniExternalIds([entry]);
  const linked = OMNI_LINKED_PLATFORMS.find((platform) => read.links[platform] !== undefined);
  return linked ?? read.malformed[0]?.platform ?? null;
}

/** The one canonical entry for a link (none for OmniStack itself, which the codec leaves out). */
function canonicalEntry(platform: Platform, id: string): string[] {
  return writeOmniExternalIds({ [platform]: id });
}
