import { ObjectId } from 'mongodb';
import type { Collection, Document, Filter } from 'mongodb';
import { requireRawId } from '../ids/index.ts';
import type { Platform } from '../ids/index.ts';
import { requireBatchSize, requireEmailQuery } from './adapter-support.ts';
import { cursorBatches, EXACT_READ } from './mongo-link-fields.ts';
import { emailPattern } from './mongo-patterns.ts';
import type { PersonRecord } from './person-record.ts';
import type { PlatformAdapter } from './platform-adapter.ts';

/** What differs between the MongoDB collections idsync reads: the rest is MongoReads. */
export interface MongoRecordSource {
  readonly platform: Platform;
  readonly collection: Collection;
  /** Only the fields a record needs: secrets (a password, an API key) are never fetched. */
  readonly projection: Document;
  /** The document as a record; null when its `_id` is no valid id of the platform. */
  toRecord(document: Document): PersonRecord | null;
  /** Whether documents carry an `email` (clients do not). */
  readonly hasEmail: boolean;
}

export type MongoReads = Pick<PlatformAdapter, 'get' | 'getMany' | 'findByEmail' | 'scan'>;

/**
 * The read half of a MongoDB adapter. Every id is validated before it reaches a query, and every
 * regex is only a pre-filter: the record read back decides (src/ids reads it as reconcile would).
 */
export function mongoReads(source: MongoRecordSource): MongoReads {
  const find = async (filter: Filter<Document>) => {
    const documents = await source.collection.find(filter, { projection: source.projection, ...EXACT_READ }).toArray();
    return documents.flatMap((document) => source.toRecord(document) ?? []);
  };
  const getMany = async (ids: readonly string[]) => {
    if (ids.length === 0) return [];
    return find({ _id: { $in: ids.map((id) => new ObjectId(requireRawId(source.platform, id))) } });
  };
  return {
    get: async (id) => (await getMany([id]))[0] ?? null,
    getMany,
    findByEmail: async (email) => {
      const normalized = requireEmailQuery(email);
      if (!source.hasEmail) return [];
      return (await find({ email: emailPattern(normalized) })).filter((record) => record.email === normalized);
    },
    scan: async function* (options = {}) {
      const batchSize = requireBatchSize(options.batchSize);
      // Sorting on `_id` walks the primary index, so a document is met once even while others change.
      const cursor = source.collection.find({}, { projection: source.projection, batchSize, sort: { _id: 1 }, ...EXACT_READ });
      for await (const documents of cursorBatches(cursor)) {
        const records = documents.flatMap((document) => source.toRecord(document) ?? []);
        if (records.length > 0) yield records;
      }
    },
  };
}
