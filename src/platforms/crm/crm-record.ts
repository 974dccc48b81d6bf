import { ObjectId } from 'mongodb';
import type { Document } from 'mongodb';
import { parseRawId, parseTolerantId, readIdMap } from '../../ids/index.ts';
import type { Links, Platform } from '../../ids/index.ts';
import { normalizeStoredEmail } from '../adapter-support.ts';
import { fieldState, isFieldState } from '../mongo-link-fields.ts';
import type { FieldState } from '../mongo-link-fields.ts';
import type { PersonRecord, UnreadableLink } from '../person-record.ts';
import { normalizeName } from '../profile-rules.ts';

/** Prisma names a collection after its model. */
export const CRM_USERS_COLLECTION = 'User';
/** Prisma's collection name for the `Client` model. */
export const CRM_CLIENTS_COLLECTION = 'Client';

/**
 * Everything a record needs, and nothing else. An inclusion projection never fetches `password`
 * (a hash that must not be read, copied or logged), whatever else the document holds.
 */
export const CRM_PROJECTION = Object.freeze({ _id: 1, email: 1, externalIds: 1, supabaseId: 1 });
/** Reads by key add the name (PersonRecord.name): scans leave it out. */
export const CRM_READ_PROJECTION = Object.freeze({ ...CRM_PROJECTION, name: 1 });

/** The link fields exactly as read: what a compare-and-set write of this record is guarded by. */
export interface CrmSnapshot {
  readonly kind: 'crm-user';
  readonly externalIds: FieldState;
  readonly supabaseId: FieldState;
}

export function isCrmSnapshot(value: unknown): value is CrmSnapshot {
  if (typeof value !== 'object' || value === null) return false;
  const snapshot = value as Partial<Record<keyof CrmSnapshot, unknown>>;
  return snapshot.kind === 'crm-user' && isFieldState(snapshot.externalIds) && isFieldState(snapshot.supabaseId);
}

/**
 * A CRM `User` document as a PersonRecord; null for a document whose `_id` is not an ObjectId. The
 * name is kept, normalized, when the document was read with it (CRM_READ_PROJECTION).
 */
export function toCrmRecord(document: Document): PersonRecord | null {
  const objectId: unknown = document._id;
  if (!(objectId instanceof ObjectId)) return null;
  const parsedId = parseRawId('crm', objectId.toHexString());
  if (!parsedId.ok) return null;
  const snapshot: CrmSnapshot = {
    kind: 'crm-user',
    externalIds: fieldState(document, 'externalIds'),
    supabaseId: fieldState(document, 'supabaseId'),
  };
  return {
    platform: 'crm',
    id: parsedId.id,
    email: normalizeStoredEmail(document.email),
    createdAt: objectId.getTimestamp(),
    ...readCrmLinks(document.externalIds, document.supabaseId),
    ...('name' in document ? { name: normalizeName(document.name) } : {}),
    snapshot,
  };
}

type CrmLinks = Pick<PersonRecord, 'links' | 'extraLinks' | 'unreadable'>;

/**
 * `externalIds` is read with the id-map codec. `supabaseId` is the older home of the Supabase link
 * and must equal `externalIds.supabase`: when the map has no valid Supabase link it is
 * the link; when both hold valid, different ids, it is an extra candidate for the planner.
 */
export function readCrmLinks(externalIds: unknown, supabaseId: unknown): CrmLinks {
  const map = readIdMap('crm', externalIds);
  const links: Links = { ...map.links };
  const extraLinks: Partial<Record<Platform, readonly string[]>> = {};
  const unreadable: UnreadableLink[] = map.malformed.map(({ platform, value, reason }) => ({ platform, value, reason }));
  // A map that is not an object is one unreadable value that no platform can claim.
  if (map.shape === 'not-an-object') unreadable.push({ platform: null, value: externalIds, reason: 'bad-format' });
  if (supabaseId !== undefined && supabaseId !== null) {
    const parsed = parseTolerantId('supabase', supabaseId);
    if (!parsed.ok) unreadable.push({ platform: 'supabase', value: supabaseId, reason: parsed.reason });
    else if (links.supabase === undefined) links.supabase = parsed.id;
    else if (links.supabase !== parsed.id) extraLinks.supabase = [parsed.id];
  }
  return { links, extraLinks, unreadable };
}
