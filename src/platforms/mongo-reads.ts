import { ObjectId } from 'mongodb';
import type { Collection, Db, Document, Filter } from 'mongodb';
import { requireRawId } from '../ids/index.ts';
import type { Platform } from '../ids/index.ts';
import { requireBatchSize, requireEmailQuery, requireLinkWrite } from './adapter-support.ts';
import type { LinkWrite } from './adapter-support.ts';
import { cursorBatches, EXACT_READ } from './mongo-link-fields.ts';
import { emailPattern } from './mongo-patterns.ts';
import type { PersonRecord } from './person-record.ts';
import type { PlatformAdapter, WriteOutcome } from './platform-adapter.ts';

/** What differs between the MongoDB collections idsync reads: the rest is MongoReads. */
export interface MongoRecordSource {
  readonly platform: Platform;
  readonly collection: Collection;
  /** Only the fields a record needs: secrets (a password, an API key) are never fetched. */
  readonly projection: Document;
  /**
   * The projection of reads by key and by email, when they need more than a scan does. Default:
   * `projection`. The CRM's adds the name, which a settled fingerprint covers and an audit's scan
   * has no use for.
   */
  readonly readProjection?: Document;
  /** The document as a record; null when its `_id` is no valid id of the platform. */
  toRecord(document: Document): PersonRecord | null;
  /** Whether documents carry an `email` (clients do not). */
  readonly hasEmail: boolean;
}

export type MongoReads = Pick<PlatformAdapter, 'get' | 'getMany' | 'findByEmail' | 'scan'>;

/** A MongoDB collection as an adapter sees it: its records, and the write of its links. */
export interface MongoAdapterSpec<S> extends Omit<MongoRecordSource, 'collection'> {
  readonly collectionName: string;
  /** Whether a record's snapshot is one this adapter read (the guard of its writes). */
  isSnapshot(value: unknown): value is S;
  /** The compare-and-set write of a change already checked (requireLinkWrite). */
  write(collection: Collection, checked: LinkWrite<S>): Promise<WriteOutcome>;
}

/** A MongoDB collection as a PlatformAdapter: the shared reads, and the checked link write. */
export function mongoAdapter<S>(db: Db, spec: MongoAdapterSpec<S>): PlatformAdapter {
  const collection = db.collection(spec.collectionName);
  return {
    platform: spec.platform,
    ...mongoReads({ ...spec, collection }),
    writeLinks: async (record, change) => spec.write(collection, requireLinkWrite(spec.platform, record, change, spec.isSnapshot)),
  };
}

/**
 * The read half of a MongoDB adapter. Every id is validated before it reaches a query, and every
 * regex is only a pre-filter: the record read back decides (src/ids reads it as reconcile would).
 */
export function mongoReads(source: MongoRecordSource): MongoReads {
  const find = async (filter: Filter<Document>) => {
    const documents = await source.collection.find(filter, { projection: source.readProjection ?? source.projection, ...EXACT_READ }).toArray();
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
