import { ObjectId } from 'mongodb';
import type { Collection, Document, Filter } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestMongo } from '../support/platform-fixtures.ts';
import type { TestMongo } from '../support/platform-fixtures.ts';

/*
 * CONTRACT TEST: queries on exact `_id`s with further conditions, as idsync's compare-and-set
 * writes and reads by key make them, answer on the local MongoDB test server (scripts/mongo) as on
 * MongoDB: the server finds such documents through its `_id` index, and must still match the rest
 * of the query. Nothing here is particular to the test server.
 */

const [A, B, C] = [new ObjectId(), new ObjectId(), new ObjectId()];
const DOCUMENTS = [
  { _id: A, email: 'a@example.com', externalIds: { crm: '1' } },
  { _id: B, email: 'b@example.com' },
  { _id: C, email: 'c@example.com', externalIds: { crm: '3' } },
];
const guardOf = (value: Document): Document => ({ $expr: { $and: [{ $eq: ['$externalIds', { $literal: value }] }] } });

const CASES: ReadonlyArray<{ readonly name: string; readonly filter: Filter<Document>; readonly matched: readonly ObjectId[] }> = [
  { name: 'one _id and a field that holds', filter: { _id: A, email: 'a@example.com' }, matched: [A] },
  { name: 'one _id and a field that does not', filter: { _id: A, email: 'b@example.com' }, matched: [] },
  { name: 'one _id and $exists that holds', filter: { _id: B, externalIds: { $exists: false } }, matched: [B] },
  { name: 'one _id and $exists that does not', filter: { _id: A, externalIds: { $exists: false } }, matched: [] },
  { name: 'one _id and a guard that holds', filter: { _id: A, externalIds: { $exists: true }, ...guardOf({ crm: '1' }) }, matched: [A] },
  { name: 'one _id and a guard that does not', filter: { _id: A, externalIds: { $exists: true }, ...guardOf({ crm: '2' }) }, matched: [] },
  { name: '$in and a field', filter: { _id: { $in: [A, B, C] }, externalIds: { $exists: true } }, matched: [A, C] },
  { name: '$in with an absent id', filter: { _id: { $in: [B, new ObjectId()] }, email: { $exists: true } }, matched: [B] },
  { name: 'an absent _id and a field', filter: { _id: new ObjectId(), email: 'a@example.com' }, matched: [] },
  { name: 'a range of _id (not exact) and a field', filter: { _id: { $gte: A }, externalIds: { $exists: true } }, matched: [A, C] },
];

describe('the MongoDB test server answers queries on exact _ids with further conditions as MongoDB does', () => {
  let mongo: TestMongo;
  let users: Collection;

  beforeEach(async () => {
    mongo = await openTestMongo('idqueries');
    users = mongo.db.collection('users');
    await users.insertMany(DOCUMENTS.map((document) => ({ ...document })));
  });

  afterEach(async () => {
    await mongo.drop();
  });

  it.each(CASES)('find: $name', async ({ filter, matched }) => {
    const found = await users.find(filter, { sort: { _id: 1 } }).toArray();
    expect(found.map((document) => document._id.toHexString())).toEqual(matched.map((id) => id.toHexString()));
  });

  it.each(CASES)('updateMany writes only what matches: $name', async ({ filter, matched }) => {
    const result = await users.updateMany(filter, { $set: { touched: true } });
    expect(result.matchedCount).toBe(matched.length);
    const touched = await users.find({ touched: true }, { sort: { _id: 1 } }).toArray();
    expect(touched.map((document) => document._id.toHexString())).toEqual(matched.map((id) => id.toHexString()));
  });

  it.each(CASES)('deleteMany deletes only what matches: $name', async ({ filter, matched }) => {
    const result = await users.deleteMany(filter);
    expect(result.deletedCount).toBe(matched.length);
    expect(await users.countDocuments()).toBe(DOCUMENTS.length - matched.length);
  });
});
