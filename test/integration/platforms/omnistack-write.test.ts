import { Double, ObjectId } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOmnistackAdapter } from '../../../src/platforms/omnistack/omnistack-adapter.ts';
import type { PersonRecord } from '../../../src/platforms/person-record.ts';
import type { PlatformAdapter } from '../../../src/platforms/platform-adapter.ts';
import { dataCommands, openTestMongo, readExisting } from '../../support/platform-fixtures.ts';
import type { TestMongo } from '../../support/platform-fixtures.ts';
import { insertOmnistackUser, newBookmasterId, newObjectId, newUuid, rawDocument, SEEDED_AT } from '../../support/platform-seeders.ts';

describe('OmniStack adapter: writing links and scanning', () => {
  let mongo: TestMongo;
  let adapter: PlatformAdapter;

  beforeEach(async () => {
    mongo = await openTestMongo('omnistack');
    adapter = createOmnistackAdapter(mongo.db);
  });

  afterEach(async () => {
    await mongo.drop();
  });

  const read = (id: string) => readExisting(adapter, id);


  it('sets links canonically in place, keeping foreign entries, their order, metadata and names', async () => {
    const [crm, supabase, bookmaster] = [newObjectId(), newUuid(), newBookmasterId()];
    const metadata = { team: 'ops', 'nested.key': 'kept' };
    const id = await insertOmnistackUser(mongo.db, {
      metadata,
      externalIds: ['stripe_1', crm.toUpperCase(), `crm_${newObjectId()}`, 'hubspot_2', new Double(2)],
    });

    expect(await adapter.writeLinks(await read(id), { set: { crm, supabase, bookmaster }, unset: [] })).toBe('written');

    const stored = await mongo.db.collection('users').findOne({ _id: new ObjectId(id) }, { promoteValues: false });
    // A foreign double stays a double: values are written back with their exact BSON type.
    expect(stored?.external_ids).toStrictEqual(['stripe_1', `crm_${crm}`, 'hubspot_2', new Double(2), `supabase_${supabase}`, bookmaster]);
    expect(stored).toMatchObject({ metadata, name: 'Ada', surname: 'Lovelace', createdAt: SEEDED_AT });
    expect((stored?.updatedAt as Date).getTime()).toBeGreaterThan(SEEDED_AT.getTime());
    expect(await read(id)).toMatchObject({ links: { crm, supabase, bookmaster }, extraLinks: {}, unreadable: [{ platform: null, reason: 'not-a-string' }] });
  });

  it('unsets every entry of a platform, malformed ones included, and nothing else', async () => {
    const [crm, supabase] = [newObjectId(), newUuid()];
    const id = await insertOmnistackUser(mongo.db, { externalIds: [`crm_${crm}`, 'crm_junk', `supabase_${supabase}`, 'other_9', `omni_${crm}`] });

    expect(await adapter.writeLinks(await read(id), { set: {}, unset: ['crm', 'omnistack'] })).toBe('written');

    expect((await rawDocument(mongo.db, 'users', id))?.external_ids).toEqual([`supabase_${supabase}`, 'other_9']);
  });

  it('creates the array when there is none, and answers written without a write when nothing changes', async () => {
    const crm = newObjectId();
    const id = await insertOmnistackUser(mongo.db);
    expect(await adapter.writeLinks(await read(id), { set: { crm }, unset: ['supabase'] })).toBe('written');
    expect((await rawDocument(mongo.db, 'users', id))?.external_ids).toEqual([`crm_${crm}`]);

    const record = await read(id);
    mongo.commands.clear();
    expect(await adapter.writeLinks(record, { set: { crm }, unset: ['bookmaster'] })).toBe('written');
    expect(dataCommands(mongo)).toEqual([]);
  });

  it('answers stale and changes nothing when the array changed since the read', async () => {
    const id = await insertOmnistackUser(mongo.db, { externalIds: ['other_1'] });
    const staleRecord = await read(id);
    // Another system appends its own entry: the links idsync read are unchanged, the array is not.
    await mongo.db.collection<{ external_ids: string[] }>('users').updateOne({ _id: new ObjectId(id) }, { $push: { external_ids: 'other_2' } });
    const before = await rawDocument(mongo.db, 'users', id);

    expect(await adapter.writeLinks(staleRecord, { set: { crm: newObjectId() }, unset: [] })).toBe('stale');
    expect(await rawDocument(mongo.db, 'users', id)).toEqual(before);
  });

  it('lets exactly one of two concurrent writes from the same snapshot win', async () => {
    const id = await insertOmnistackUser(mongo.db, { externalIds: [] });
    const record = await read(id);
    const [first, second] = [newBookmasterId(), newBookmasterId()];

    const outcomes = await Promise.all([
      adapter.writeLinks(record, { set: { bookmaster: first }, unset: [] }),
      adapter.writeLinks(record, { set: { bookmaster: second }, unset: [] }),
    ]);

    expect([...outcomes].sort()).toEqual(['stale', 'written']);
    expect((await rawDocument(mongo.db, 'users', id))?.external_ids).toEqual([outcomes[0] === 'written' ? first : second]);
  });

  it.each([
    { users: 7, batchSize: 3, roundTrips: 3 },
    { users: 6, batchSize: 3, roundTrips: 2 },
    { users: 0, batchSize: 3, roundTrips: 1 },
  ])('scans $users users in batches of $batchSize, each once, in $roundTrips round trips', async ({ users, batchSize, roundTrips }) => {
    const ids: string[] = [];
    for (let index = 0; index < users; index += 1) ids.push(await insertOmnistackUser(mongo.db, { externalIds: [`crm_${newObjectId()}`] }));
    mongo.commands.clear();

    const batches: PersonRecord[][] = [];
    for await (const batch of adapter.scan({ batchSize })) batches.push(batch);

    expect(batches.every((batch) => batch.length <= batchSize)).toBe(true);
    expect(batches.flat().map((record) => record.id).sort()).toEqual(ids.sort());
    expect(batches.flat().every((record) => record.links.crm !== undefined)).toBe(true);
    expect(dataCommands(mongo)).toHaveLength(roundTrips);
  });
});
