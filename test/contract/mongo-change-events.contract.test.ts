import { Timestamp } from 'mongodb';
import type { ChangeStream, ChangeStreamOptions, Collection, Document, ObjectId } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifyChange } from '../../src/watchers/mongo-events.ts';
import { isResumeFailure } from '../../src/watchers/mongo-position.ts';
import { openTestMongo } from '../support/platform-fixtures.ts';
import type { TestMongo } from '../support/platform-fixtures.ts';
import { waitFor } from '../support/wait-for.ts';

/*
 * CONTRACT TEST: the change events of the local MongoDB test server (scripts/mongo) against the
 * format MongoDB 4.4 documents (the manual's "Change Events" pages and "Resume a Change Stream"),
 * for what idsync's watcher relies on: which record each event names, its resume token, the batch
 * position, and how a position is refused. Nothing here is particular to the test server, so the
 * same file should pass against a MongoDB 4.4+ replica set.
 */

type FieldType = 'resumeToken' | 'string' | 'timestamp' | 'namespace' | 'documentKey' | 'document' | 'updateDescription' | 'date';

const COMMON = { _id: 'resumeToken', operationType: 'string', clusterTime: 'timestamp' } as const;
/** Each operation type's fields outside transactions, on an unsharded collection, without `fullDocument: 'updateLookup'`. */
const DOCUMENTED: Record<string, Record<string, FieldType>> = {
  insert: { ...COMMON, fullDocument: 'document', ns: 'namespace', documentKey: 'documentKey' },
  update: { ...COMMON, ns: 'namespace', documentKey: 'documentKey', updateDescription: 'updateDescription' },
  replace: { ...COMMON, fullDocument: 'document', ns: 'namespace', documentKey: 'documentKey' },
  delete: { ...COMMON, ns: 'namespace', documentKey: 'documentKey' },
  drop: { ...COMMON, ns: 'namespace' },
  rename: { ...COMMON, ns: 'namespace', to: 'namespace' },
  invalidate: COMMON,
};
/** Fields later versions add to every event (6.0: `wallTime`), allowed but not required. */
const LATER: Record<string, FieldType> = { wallTime: 'date' };

const isPlain = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
const hasKeys = (value: unknown, keys: string[]): value is Record<string, unknown> =>
  isPlain(value) && JSON.stringify(Object.keys(value).sort()) === JSON.stringify([...keys].sort());

const IS: Record<FieldType, (value: unknown) => boolean> = {
  // `{_data: <BinData|hex string>}`: a hex string since 4.2.
  resumeToken: (value) => hasKeys(value, ['_data']) && typeof value._data === 'string' && /^[0-9a-f]+$/i.test(value._data),
  string: (value) => typeof value === 'string',
  timestamp: (value) => value instanceof Timestamp,
  namespace: (value) => hasKeys(value, ['db', 'coll']) && typeof value.db === 'string' && typeof value.coll === 'string',
  documentKey: (value) => hasKeys(value, ['_id']),
  document: isPlain,
  updateDescription: (value) =>
    isPlain(value) &&
    isPlain(value.updatedFields) &&
    Array.isArray(value.removedFields) &&
    value.removedFields.every((field) => typeof field === 'string') &&
    (value.truncatedArrays === undefined || Array.isArray(value.truncatedArrays)),
  date: (value) => value instanceof Date,
};

/** Where `event` departs from its operation type's documented fields: missing, unknown or mistyped. */
function departures(event: Document): string[] {
  const documented = DOCUMENTED[String(event.operationType)];
  if (!documented) return [`undocumented operationType ${String(event.operationType)}`];
  const missing = Object.keys(documented).filter((field) => !(field in event)).map((field) => `${event.operationType}: no ${field}`);
  const wrong = Object.entries(event)
    .filter(([field, value]) => {
      const type = documented[field] ?? LATER[field];
      return type === undefined || !IS[type](value);
    })
    .map(([field]) => `${event.operationType}: ${field} is not as documented`);
  return [...missing, ...wrong];
}

/** The next `count` events, polled until they have all arrived. */
async function take(stream: ChangeStream, count: number): Promise<Document[]> {
  const events: Document[] = [];
  await waitFor(`${count} change events`, async () => {
    while (events.length < count) {
      const event = await stream.tryNext();
      if (event === null) return false;
      events.push(event);
    }
    return true;
  });
  return events;
}

describe('contract (MongoDB 4.4 change events): the local server’s change streams, as the watcher reads them', () => {
  let mongo: TestMongo;
  let users: Collection;
  const streams: ChangeStream[] = [];

  /** A stream whose first poll has run, so every write after this is in it. */
  const open = async (collection: Collection, options: ChangeStreamOptions = {}): Promise<ChangeStream> => {
    const stream = collection.watch([], options);
    streams.push(stream);
    await stream.tryNext();
    return stream;
  };
  /** The server's answer to opening a stream at this position: null, or the error it refused with. */
  const refusal = async (options: ChangeStreamOptions): Promise<unknown> => {
    const stream = users.watch([], options);
    streams.push(stream);
    return stream.tryNext().then(() => null, (error: unknown) => error);
  };

  beforeEach(async () => {
    mongo = await openTestMongo('contract');
    users = mongo.db.collection('User');
  });

  afterEach(async () => {
    for (const stream of streams.splice(0)) await stream.close();
    await mongo.drop();
  });

  it('sends every operation type with exactly the fields MongoDB documents for it, and each write names its record', async () => {
    const stream = await open(users);
    const { insertedId } = await users.insertOne({ email: 'ada@example.com' });
    await users.updateOne({ _id: insertedId }, { $set: { name: 'Ada' } });
    await users.replaceOne({ _id: insertedId }, { email: 'ada@example.com', name: 'Ada L' });
    await users.deleteOne({ _id: insertedId });
    await users.rename('People');
    const others = mongo.db.collection('Other');
    await others.insertOne({});
    const dropped = await open(others);
    await others.drop();

    const events = [...(await take(stream, 6)), ...(await take(dropped, 2))];
    expect(events.map((event) => event.operationType)).toEqual(['insert', 'update', 'replace', 'delete', 'rename', 'invalidate', 'drop', 'invalidate']);
    expect(events.flatMap(departures)).toEqual([]);
    const id = insertedId.toHexString();
    expect(events.slice(0, 4).map((event) => classifyChange('crm', event))).toEqual([
      { kind: 'changed', id },
      { kind: 'changed', id },
      { kind: 'changed', id },
      { kind: 'deleted', id },
    ]);
    expect(events.slice(4).map((event) => classifyChange('crm', event).kind)).toEqual(['ignored', 'invalidated', 'ignored', 'invalidated']);
  });

  it('describes an update by the fields it wrote and removed, and sends one event per record written, none for a refused write', async () => {
    const stream = await open(users);
    const { insertedIds } = await users.insertMany([{ email: 'a@example.com', logins: 1, externalIds: {} }, { email: 'b@example.com' }]);
    const [first, second] = [insertedIds[0], insertedIds[1]] as ObjectId[];
    await users.updateOne({ _id: first }, { $set: { name: 'Ada', 'externalIds.omnistack': 'x' }, $inc: { logins: 1 }, $unset: { email: '' } });
    await expect(users.insertOne({ _id: second })).rejects.toMatchObject({ code: 11000 });
    await users.updateMany({}, { $set: { role: 'SALES' } });

    const events = await take(stream, 5);
    expect(events.map((event) => [event.operationType, event.documentKey._id])).toEqual([
      ['insert', first],
      ['insert', second],
      ['update', first],
      ['update', first],
      ['update', second],
    ]);
    expect(events[2]?.updateDescription).toEqual({ updatedFields: { name: 'Ada', 'externalIds.omnistack': 'x', logins: 2 }, removedFields: ['email'] });
    expect(events[2]).not.toHaveProperty('fullDocument');
    expect(await stream.tryNext()).toBeNull();
  });

  it('gives every batch a resume token (postBatchResumeToken) that moves on while the stream is quiet, and resumes after event and batch tokens', async () => {
    const stream = await open(users);
    const quiet = stream.resumeToken;
    expect(IS.resumeToken(quiet)).toBe(true);
    await mongo.db.collection('Other').insertOne({});
    await waitFor('the quiet stream’s token to move on', async () => (await stream.tryNext()) === null && JSON.stringify(stream.resumeToken) !== JSON.stringify(quiet));

    const a = await users.insertOne({});
    const b = await users.insertOne({});
    const [eventA] = await take(stream, 2);
    const firstKey = async (options: ChangeStreamOptions) => {
      const resumed = users.watch([], options);
      streams.push(resumed);
      return (await take(resumed, 1))[0]?.documentKey._id;
    };
    expect(await firstKey({ resumeAfter: eventA?._id })).toEqual(b.insertedId);
    expect(await firstKey({ startAfter: eventA?._id })).toEqual(b.insertedId);
    expect(await firstKey({ resumeAfter: quiet })).toEqual(a.insertedId);
  });

  it('refuses a position older than its history with ChangeStreamHistoryLost (286), and an unusable token with a code the watcher reads as a refusal', async () => {
    const lost = await refusal({ startAtOperationTime: new Timestamp({ t: 1, i: 0 }) });
    expect(lost).toMatchObject({ code: 286 });
    expect(isResumeFailure(lost)).toBe(true);
    expect(isResumeFailure(await refusal({ resumeAfter: { _data: 'not-a-resume-token' } }))).toBe(true);

    const stream = await open(users);
    await users.insertOne({});
    await users.drop();
    const [, , invalidate] = await take(stream, 3);
    expect(invalidate?.operationType).toBe('invalidate');
    expect(isResumeFailure(await refusal({ resumeAfter: invalidate?._id }))).toBe(true);
    // Only startAfter may start a new stream after an invalidate.
    expect(await refusal({ startAfter: invalidate?._id })).toBeNull();
  });
});
