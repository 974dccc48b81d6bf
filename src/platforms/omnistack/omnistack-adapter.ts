import { ObjectId } from 'mongodb';
import type { Collection, Db, Document, Filter } from 'mongodb';
import { parsePlatform, requireRawId } from '../../ids/index.ts';
import type { Platform } from '../../ids/index.ts';
import { claims, invalidSnapshot, requireBatchSize, requireEmailQuery, requireLinkChange, requireOwnRecord } from '../adapter-support.ts';
import { compareAndSetFields, cursorBatches, EXACT_READ, fieldUpdate, valueOf } from '../mongo-link-fields.ts';
import { emailPattern, storedIdPattern } from '../mongo-patterns.ts';
import type { LinkChange, PersonRecord } from '../person-record.ts';
import type { PlatformAdapter, ScanOptions, WriteOutcome } from '../platform-adapter.ts';
import { editExternalIds, isOmnistackSnapshot, OMNISTACK_PROJECTION, OMNISTACK_USERS_COLLECTION, toOmnistackRecord } from './omnistack-record.ts';

/**
 * The OmniStack Gateway's `users` collection (SPEC §2) as a PlatformAdapter. Its links live in the
 * flat `external_ids` string array, shared with other systems' entries that idsync never touches.
 */
export function createOmnistackAdapter(db: Db): PlatformAdapter {
  const users = db.collection(OMNISTACK_USERS_COLLECTION);
  return {
    platform: 'omnistack',
    get: async (id) => {
      const filter = { _id: new ObjectId(requireRawId('omnistack', id)) };
      const document = await users.findOne(filter, { projection: OMNISTACK_PROJECTION, ...EXACT_READ });
      return document === null ? null : toOmnistackRecord(document);
    },
    findByEmail: async (email) => {
      const normalized = requireEmailQuery(email);
      const records = await findRecords(users, { email: emailPattern(normalized) });
      return records.filter((record) => record.email === normalized);
    },
    findClaiming: async (platform, id) => {
      const claimed = parsePlatform(platform);
      const canonical = requireRawId(claimed, id);
      const filter = claimFilter(claimed, canonical);
      if (filter === null) return [];
      return (await findRecords(users, filter)).filter((record) => claims(record, claimed, canonical));
    },
    writeLinks: (record, change) => writeOmnistackLinks(users, record, change),
    scan: (options) => scanUsers(users, options),
  };
}

async function findRecords(users: Collection, filter: Filter<Document>): Promise<PersonRecord[]> {
  const documents = await users.find(filter, { projection: OMNISTACK_PROJECTION, ...EXACT_READ }).toArray();
  return documents.flatMap((document) => toOmnistackRecord(document) ?? []);
}

/**
 * The stored forms of each platform's entry in the array, as readOmniExternalIds reads them:
 * `crm_<id>` or the guide's bare ObjectId, `supabase_<uuid>`, and the Bookmaster id as it is.
 * A regex on an array field matches when any element does.
 */
const ENTRY_FORMS: Readonly<Partial<Record<Platform, { prefixes: readonly string[]; bareAllowed: boolean }>>> = {
  crm: { prefixes: ['crm_'], bareAllowed: true },
  supabase: { prefixes: ['supabase_'], bareAllowed: false },
  bookmaster: { prefixes: [], bareAllowed: true },
};

/** OmniStack's own entries (`omni_…`) are self-references, never claims, so there is no query. */
function claimFilter(platform: Platform, id: string): Filter<Document> | null {
  const forms = ENTRY_FORMS[platform];
  if (forms === undefined) return null;
  return { external_ids: { $regex: storedIdPattern(platform, id, forms) } };
}

async function writeOmnistackLinks(users: Collection, record: PersonRecord, change: LinkChange): Promise<WriteOutcome> {
  const id = requireOwnRecord('omnistack', record);
  const targets = requireLinkChange('omnistack', change);
  const snapshot = record.snapshot;
  if (!isOmnistackSnapshot(snapshot)) throw invalidSnapshot('omnistack');
  const prior = { external_ids: snapshot.externalIds };
  const update = fieldUpdate(prior, { external_ids: editExternalIds(valueOf(snapshot.externalIds), targets) });
  // Mongoose would stamp `updatedAt` on its own writes; idsync writes around it, so it stamps it.
  return compareAndSetFields(users, new ObjectId(id), prior, update, { updatedAt: new Date() });
}

async function* scanUsers(users: Collection, options: ScanOptions = {}): AsyncGenerator<PersonRecord[]> {
  const batchSize = requireBatchSize(options.batchSize);
  // Sorting on `_id` walks the primary index, so a document is met once even while others change.
  const cursor = users.find({}, { projection: OMNISTACK_PROJECTION, batchSize, sort: { _id: 1 }, ...EXACT_READ });
  for await (const documents of cursorBatches(cursor)) {
    const records = documents.flatMap((document) => toOmnistackRecord(document) ?? []);
    if (records.length > 0) yield records;
  }
}
