import { ObjectId } from 'mongodb';
import type { Db, Document } from 'mongodb';
import { parseRawId, parseTolerantId } from '../ids/index.ts';
import type { Platform } from '../ids/index.ts';
import { compareAndSetFields, fieldState, fieldUpdate, isFieldState, valueOf } from './mongo-link-fields.ts';
import type { FieldState } from './mongo-link-fields.ts';
import { mongoAdapter } from './mongo-reads.ts';
import type { PersonRecord } from './person-record.ts';
import type { PlatformAdapter } from './platform-adapter.ts';

/** A MongoDB collection whose documents link to one other platform through one string field. */
export interface SingleLinkCollection {
  readonly platform: Platform;
  readonly collection: string;
  /** The field holding the linked record's raw id. */
  readonly linkField: string;
  readonly linkedPlatform: Platform;
}

interface SingleLinkSnapshot {
  readonly kind: 'single-link';
  readonly link: FieldState;
}

/**
 * Clients as PlatformAdapters, so the one reconcile engine links them too: a CRM
 * `Client` points at its OmniStack client with `omniGatewayId`, which points back with `externalId`.
 * Clients have no email: they are linked by id claims only. The projection fetches only `_id` and
 * the link field, so a client's `omniGatewayApiKey` (a secret) is never read.
 */
export function createSingleLinkAdapter(db: Db, spec: SingleLinkCollection): PlatformAdapter {
  return mongoAdapter(db, {
    platform: spec.platform,
    collectionName: spec.collection,
    projection: { _id: 1, [spec.linkField]: 1 },
    toRecord: (document) => toSingleLinkRecord(spec, document),
    hasEmail: false,
    isSnapshot: isSingleLinkSnapshot,
    write: async (documents, { id, targets, snapshot }) => {
      if (!targets.has(spec.linkedPlatform)) return 'written';
      const next = targets.get(spec.linkedPlatform) ?? undefined;
      const prior = { [spec.linkField]: snapshot.link };
      return compareAndSetFields(documents, new ObjectId(id), prior, fieldUpdate(prior, { [spec.linkField]: next }));
    },
  });
}

function isSingleLinkSnapshot(value: unknown): value is SingleLinkSnapshot {
  if (typeof value !== 'object' || value === null) return false;
  const snapshot = value as Partial<Record<keyof SingleLinkSnapshot, unknown>>;
  return snapshot.kind === 'single-link' && isFieldState(snapshot.link);
}

function toSingleLinkRecord(spec: SingleLinkCollection, document: Document): PersonRecord | null {
  const objectId: unknown = document._id;
  if (!(objectId instanceof ObjectId)) return null;
  const parsedId = parseRawId(spec.platform, objectId.toHexString());
  if (!parsedId.ok) return null;
  const link = fieldState(document, spec.linkField);
  const stored = valueOf(link);
  const parsedLink = stored === undefined || stored === null ? undefined : parseTolerantId(spec.linkedPlatform, stored);
  const snapshot: SingleLinkSnapshot = { kind: 'single-link', link };
  return {
    platform: spec.platform,
    id: parsedId.id,
    email: null,
    createdAt: objectId.getTimestamp(),
    links: parsedLink?.ok ? { [spec.linkedPlatform]: parsedLink.id } : {},
    extraLinks: {},
    unreadable: parsedLink && !parsedLink.ok ? [{ platform: spec.linkedPlatform, value: stored, reason: parsedLink.reason }] : [],
    snapshot,
  };
}
