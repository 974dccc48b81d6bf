import { ObjectId } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCrmAdapter } from '../../../src/platforms/crm/crm-adapter.ts';
import type { PersonRecord } from '../../../src/platforms/person-record.ts';
import type { PlatformAdapter } from '../../../src/platforms/platform-adapter.ts';
import { dataCommands, openTestMongo, readExisting } from '../../support/platform-fixtures.ts';
import type { TestMongo } from '../../support/platform-fixtures.ts';
import { insertCrmUser, newBookmasterId, newObjectId, newUuid, PASSWORD_HASH, rawDocument } from '../../support/platform-seeders.ts';

describe('CRM adapter: writing links and scanning', () => {
  let mongo: TestMongo;
  let adapter: PlatformAdapter;

  beforeEach(async () => {
    mongo = await openTestMongo('trackmaster');
    adapter = createCrmAdapter(mongo.db);
  });

  afterEach(async () => {
    await mongo.drop();
  });

  const read = (id: string) => readExisting(adapter, id);


  it('sets links, keeping supabaseId equal to externalIds.supabase, foreign keys and every other field', async () => {
    const [omnistack, supabase, bookmaster] = [newObjectId(), newUuid(), newBookmasterId()];
    const id = await insertCrmUser(mongo.db, { name: 'Ada', externalIds: { partner: { code: 7 }, omnistack: `omni_${newObjectId()}` } });

    expect(await adapter.writeLinks(await read(id), { set: { omnistack, supabase, bookmaster }, unset: [] })).toBe('written');

    const stored = await rawDocument(mongo.db, 'User', id);
    expect(stored).toMatchObject({ name: 'Ada', role: 'SALES', password: PASSWORD_HASH, supabaseId: supabase });
    expect(stored?.externalIds).toEqual({ partner: { code: 7 }, omnistack, supabase, bookmaster });
    expect(await read(id)).toMatchObject({ links: { omnistack, supabase, bookmaster }, unreadable: [] });
  });

  it('unsets a link; unsetting Supabase removes supabaseId too', async () => {
    const [omnistack, supabase] = [newObjectId(), newUuid()];
    const id = await insertCrmUser(mongo.db, { supabaseId: supabase, externalIds: { supabase, omnistack, partner: 'p' } });

    expect(await adapter.writeLinks(await read(id), { set: {}, unset: ['supabase'] })).toBe('written');

    const stored = await rawDocument(mongo.db, 'User', id);
    expect(stored).not.toHaveProperty('supabaseId');
    expect(stored?.externalIds).toEqual({ omnistack, partner: 'p' });
    expect(stored?.password).toBe(PASSWORD_HASH);
  });

  it('replaces a malformed entry of a set platform and leaves other malformed entries as they are', async () => {
    const omnistack = newObjectId();
    const id = await insertCrmUser(mongo.db, { externalIds: { omnistack: { $ne: null }, bookmaster: 42, $ne: null } });

    expect(await adapter.writeLinks(await read(id), { set: { omnistack }, unset: [] })).toBe('written');

    expect((await rawDocument(mongo.db, 'User', id))?.externalIds).toEqual({ omnistack, bookmaster: 42, $ne: null });
  });

  it('answers written without a write when the change is already in place', async () => {
    const supabase = newUuid();
    const id = await insertCrmUser(mongo.db, { supabaseId: supabase, externalIds: { supabase } });
    const record = await read(id);
    mongo.commands.clear();

    expect(await adapter.writeLinks(record, { set: { supabase }, unset: ['bookmaster'] })).toBe('written');
    expect(dataCommands(mongo)).toEqual([]);
  });

  it('answers stale and changes nothing when the links changed since the read', async () => {
    const id = await insertCrmUser(mongo.db, { externalIds: { omnistack: newObjectId() } });
    const staleRecord = await read(id);
    const supabase = newUuid();
    // Another writer adds a supabaseId, a field the stale read saw as absent.
    await mongo.db.collection('User').updateOne({ _id: new ObjectId(id) }, { $set: { supabaseId: supabase } });
    const before = await rawDocument(mongo.db, 'User', id);

    expect(await adapter.writeLinks(staleRecord, { set: { bookmaster: newBookmasterId() }, unset: [] })).toBe('stale');
    expect(await rawDocument(mongo.db, 'User', id)).toEqual(before);
  });

  it('tells a null field from an absent one: removing a null supabaseId makes a read stale', async () => {
    const id = await insertCrmUser(mongo.db, { supabaseId: null });
    const staleRecord = await read(id);
    await mongo.db.collection('User').updateOne({ _id: new ObjectId(id) }, { $unset: { supabaseId: '' } });

    expect(await adapter.writeLinks(staleRecord, { set: { omnistack: newObjectId() }, unset: [] })).toBe('stale');
    expect(await rawDocument(mongo.db, 'User', id)).not.toHaveProperty('externalIds');
  });

  it('lets exactly one of two concurrent writes from the same snapshot win', async () => {
    const id = await insertCrmUser(mongo.db);
    const record = await read(id);
    const [first, second] = [newObjectId(), newObjectId()];

    const outcomes = await Promise.all([
      adapter.writeLinks(record, { set: { omnistack: first }, unset: [] }),
      adapter.writeLinks(record, { set: { omnistack: second }, unset: [] }),
    ]);

    expect([...outcomes].sort()).toEqual(['stale', 'written']);
    const winner = outcomes[0] === 'written' ? first : second;
    expect((await read(id)).links.omnistack).toBe(winner);
  });

  it('rejects a change with a malformed id, a snapshot of another adapter, or a platform both set and unset', async () => {
    const record = await read(await insertCrmUser(mongo.db));
    mongo.commands.clear();

    await expect(adapter.writeLinks(record, { set: { omnistack: 'nope' }, unset: [] })).rejects.toMatchObject({ code: 'IDSYNC_ERR_INVALID_ID' });
    await expect(adapter.writeLinks({ ...record, snapshot: { kind: 'omnistack-user' } }, { set: {}, unset: [] })).rejects.toMatchObject({
      code: 'IDSYNC_ERR_INVALID_SNAPSHOT',
    });
    const omnistack = newObjectId();
    await expect(adapter.writeLinks(record, { set: { omnistack }, unset: ['omnistack'] })).rejects.toMatchObject({ code: 'IDSYNC_ERR_INVALID_CHANGE' });
    expect(dataCommands(mongo)).toEqual([]);
  });

  it.each([
    { users: 7, batchSize: 3, roundTrips: 3 },
    { users: 6, batchSize: 3, roundTrips: 2 },
    { users: 0, batchSize: 3, roundTrips: 1 },
  ])('scans $users users in batches of $batchSize, each once, in $roundTrips round trips', async ({ users, batchSize, roundTrips }) => {
    const ids: string[] = [];
    for (let index = 0; index < users; index += 1) ids.push(await insertCrmUser(mongo.db));
    mongo.commands.clear();

    const batches: PersonRecord[][] = [];
    for await (const batch of adapter.scan({ batchSize })) batches.push(batch);

    expect(batches.every((batch) => batch.length <= batchSize)).toBe(true);
    expect(batches.flat().map((record) => record.id).sort()).toEqual(ids.sort());
    expect(dataCommands(mongo)).toHaveLength(roundTrips);
    expect(JSON.stringify(batches)).not.toContain(PASSWORD_HASH);
  });
});
