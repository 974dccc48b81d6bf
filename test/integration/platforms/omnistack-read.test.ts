import { ObjectId } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOmnistackAdapter } from '../../../src/platforms/omnistack/omnistack-adapter.ts';
import type { PlatformAdapter } from '../../../src/platforms/platform-adapter.ts';
import { claimersIn } from '../../support/claimers.ts';
import { openTestMongo } from '../../support/platform-fixtures.ts';
import type { TestMongo } from '../../support/platform-fixtures.ts';
import { insertOmnistackUser, newBookmasterId, newObjectId, newUuid } from '../../support/platform-seeders.ts';

const TEN_KB = 10_240;

describe('OmniStack adapter: reading', () => {
  let mongo: TestMongo;
  let adapter: PlatformAdapter;

  beforeEach(async () => {
    mongo = await openTestMongo('omnistack');
    adapter = createOmnistackAdapter(mongo.db);
  });

  afterEach(async () => {
    await mongo.drop();
  });

  it('gets a user as a record, with a second id for a platform kept aside as an extra link', async () => {
    const [crm, otherCrm, supabase, bookmaster] = [newObjectId(), newObjectId(), newUuid(), newBookmasterId()];
    const id = await insertOmnistackUser(mongo.db, {
      email: ' Ada@Example.com ',
      externalIds: ['stripe_cus_1', `crm_${crm}`, `supabase_${supabase.toUpperCase()}`, bookmaster, otherCrm],
    });

    const record = await adapter.get(id);

    expect(record).toMatchObject({
      platform: 'omnistack',
      id,
      email: 'ada@example.com',
      createdAt: new ObjectId(id).getTimestamp(),
      links: { crm, supabase, bookmaster },
      extraLinks: { crm: [otherCrm] },
      unreadable: [],
    });
    expect(await adapter.get(newObjectId())).toBeNull();
  });

  it('finds users by email, trimmed and case-insensitively, with regex characters taken literally', async () => {
    const id = await insertOmnistackUser(mongo.db, { email: 'Alan.Turing+x@Example.com ' });
    await insertOmnistackUser(mongo.db, { email: 'alanXturing+x@example.com' });
    await insertOmnistackUser(mongo.db, { email: 'alan.turingggx@example.com' });

    expect((await adapter.findByEmail(' ALAN.TURING+X@EXAMPLE.COM')).map((record) => record.id)).toEqual([id]);
    expect(await adapter.findByEmail('alan.turing@example')).toEqual([]);
  });

  it('finds the users that claim an id in every tolerated entry form, and only those', async () => {
    const [crm, supabase, bookmaster] = [newObjectId(), newUuid(), newBookmasterId()];
    const crmClaimers = [
      await insertOmnistackUser(mongo.db, { externalIds: [`crm_${crm}`] }),
      await insertOmnistackUser(mongo.db, { externalIds: ['other_1', crm.toUpperCase()] }),
      await insertOmnistackUser(mongo.db, { externalIds: [`crm_${newObjectId()}`, `crm_${crm.toUpperCase()}`] }),
    ];
    const supabaseClaimer = await insertOmnistackUser(mongo.db, { externalIds: [`supabase_${supabase.toUpperCase()}`] });
    const bookmasterClaimer = await insertOmnistackUser(mongo.db, { externalIds: [bookmaster] });
    // Not claims: a wrong-case prefix, a Supabase id without its prefix (foreign), a padded entry,
    // a Bookmaster id in another case, a self-reference, and a string that is not an array.
    await insertOmnistackUser(mongo.db, { externalIds: [`CRM_${crm}`, supabase, ` ${bookmaster}`, bookmaster.toUpperCase()] });
    await insertOmnistackUser(mongo.db, { externalIds: [`omni_${crm}`] });
    await insertOmnistackUser(mongo.db, { externalIds: `crm_${crm}` });

    const ids = async (platform: 'crm' | 'supabase' | 'bookmaster' | 'omnistack', id: string) =>
      (await claimersIn(adapter, platform, id)).map((record) => record.id).sort();

    expect(await ids('crm', crm)).toEqual([...crmClaimers].sort());
    expect(await ids('supabase', supabase)).toEqual([supabaseClaimer]);
    expect(await ids('bookmaster', bookmaster)).toEqual([bookmasterClaimer]);
    expect(await ids('omnistack', crm)).toEqual([]);
  });

  it('reads malformed stored entries as unreadable without crashing', async () => {
    const crm = newObjectId();
    const id = await insertOmnistackUser(mongo.db, {
      externalIds: [{ $ne: null }, 42, `crm_${'junk'}`, 'x'.repeat(TEN_KB), `supabase_${'y'.repeat(TEN_KB)}`, `omni_${crm}`, ''],
    });
    const notAnArray = await insertOmnistackUser(mongo.db, { externalIds: { $ne: null } });

    const record = await adapter.get(id);

    expect(record?.links).toEqual({});
    const reasons = record?.unreadable.map(({ platform, reason }) => `${platform}:${reason}`);
    expect(reasons).toEqual([
      'null:not-a-string',
      'null:not-a-string',
      'crm:bad-format',
      'supabase:too-long',
      'omnistack:self-reference',
      'null:empty',
    ]);
    expect(await adapter.get(notAnArray)).toMatchObject({ links: {}, unreadable: [{ platform: null, reason: 'bad-format' }] });
    expect(await claimersIn(adapter, 'crm', crm)).toEqual([]);
  });
});
