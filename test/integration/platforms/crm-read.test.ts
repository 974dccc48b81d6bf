import { ObjectId } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCrmAdapter } from '../../../src/platforms/crm/crm-adapter.ts';
import type { PlatformAdapter } from '../../../src/platforms/platform-adapter.ts';
import { claimersIn } from '../../support/claimers.ts';
import { openTestMongo } from '../../support/platform-fixtures.ts';
import type { TestMongo } from '../../support/platform-fixtures.ts';
import { insertCrmUser, newBookmasterId, newObjectId, newUuid, PASSWORD_HASH } from '../../support/platform-seeders.ts';

const TEN_KB = 10_240;

describe('CRM adapter: reading', () => {
  let mongo: TestMongo;
  let adapter: PlatformAdapter;

  beforeEach(async () => {
    mongo = await openTestMongo('trackmaster');
    adapter = createCrmAdapter(mongo.db);
  });

  afterEach(async () => {
    await mongo.drop();
  });

  it('gets a user as a record: canonical id, normalized email, ObjectId time, links, never the password', async () => {
    const omnistack = newObjectId();
    const supabase = newUuid();
    const id = await insertCrmUser(mongo.db, {
      email: '  Ada.Lovelace@Example.COM ',
      supabaseId: supabase,
      externalIds: { supabase, omnistack: omnistack.toUpperCase(), partner: 'p-1' },
    });

    const record = await adapter.get(id.toUpperCase());

    expect(record).toMatchObject({
      platform: 'crm',
      id,
      email: 'ada.lovelace@example.com',
      createdAt: new ObjectId(id).getTimestamp(),
      links: { omnistack, supabase },
      extraLinks: {},
      unreadable: [],
    });
    expect(JSON.stringify(record)).not.toContain(PASSWORD_HASH);
    expect(await adapter.get(newObjectId())).toBeNull();
  });

  it('reads the name by key, normalized (it counts in a settled fingerprint), and not in a scan', async () => {
    const named = await insertCrmUser(mongo.db, { name: '  Ada   King ' });
    const unnamed = await insertCrmUser(mongo.db, { name: '   ' });

    expect((await adapter.getMany([named, unnamed])).map((record) => [record.id, record.name])).toEqual([
      [named, 'Ada King'],
      [unnamed, null],
    ]);
    const scanned = [];
    for await (const batch of adapter.scan()) scanned.push(...batch);
    expect(scanned.map((record) => [record.id, 'name' in record]).sort()).toEqual([[named, false], [unnamed, false]].sort());
  });

  it('takes supabaseId as the Supabase link when the map has none, and as an extra id when it differs', async () => {
    const alone = newUuid();
    const onlyField = await insertCrmUser(mongo.db, { supabaseId: `supabase_${alone}` });
    const [inMap, inField] = [newUuid(), newUuid()];
    const differing = await insertCrmUser(mongo.db, { supabaseId: inField, externalIds: { supabase: inMap } });

    expect(await adapter.get(onlyField)).toMatchObject({ links: { supabase: alone }, extraLinks: {} });
    expect(await adapter.get(differing)).toMatchObject({ links: { supabase: inMap }, extraLinks: { supabase: [inField] } });
  });

  it('finds users by email, trimmed and case-insensitively, with regex characters taken literally', async () => {
    const padded = await insertCrmUser(mongo.db, { email: ' Grace.Hopper@Example.com\t' });
    await insertCrmUser(mongo.db, { email: 'graceXhopper@example.com' });
    await insertCrmUser(mongo.db, { email: 'grace.hopper@example.com.evil' });

    const found = await adapter.findByEmail('  GRACE.HOPPER@example.COM ');

    expect(found.map((record) => record.id)).toEqual([padded]);
    expect(await adapter.findByEmail('.*@example.com')).toEqual([]);
    expect(JSON.stringify(found)).not.toContain(PASSWORD_HASH);
  });

  it('rejects an email that is no email before any query', async () => {
    mongo.commands.clear();
    for (const email of [{ $ne: null }, '   ', 42, 'a\u0000b@example.com']) {
      await expect(adapter.findByEmail(email as string)).rejects.toMatchObject({ code: 'IDSYNC_ERR_INVALID_EMAIL' });
    }
    expect(mongo.commands.names()).toEqual([]);
  });

  it('finds the users that claim an id in every tolerated stored form, and only those', async () => {
    const omnistack = newObjectId();
    const supabase = newUuid();
    const bookmaster = newBookmasterId();
    const claimers = [
      await insertCrmUser(mongo.db, { externalIds: { omnistack } }),
      await insertCrmUser(mongo.db, { externalIds: { omnistack: omnistack.toUpperCase() } }),
      await insertCrmUser(mongo.db, { externalIds: { omnistack: `omnistack_${omnistack}` } }),
      await insertCrmUser(mongo.db, { externalIds: { omnistack: `omni_${omnistack}` } }),
    ];
    // Not claims: a prefix in the wrong case, a trailing newline, a self-reference and a foreign
    // key holding the id, and a map that is not an object.
    await insertCrmUser(mongo.db, { externalIds: { omnistack: `OMNI_${omnistack}` } });
    await insertCrmUser(mongo.db, { externalIds: { omnistack: `${omnistack}\n` } });
    await insertCrmUser(mongo.db, { externalIds: { crm: omnistack, partner: omnistack } });
    await insertCrmUser(mongo.db, { externalIds: [{ omnistack }] });
    const supabaseClaimers = [
      await insertCrmUser(mongo.db, { externalIds: { supabase: `supabase_${supabase.toUpperCase()}` } }),
      await insertCrmUser(mongo.db, { supabaseId: supabase }),
      await insertCrmUser(mongo.db, { supabaseId: supabase, externalIds: { supabase: newUuid() } }),
    ];
    const bookmasterClaimer = await insertCrmUser(mongo.db, { externalIds: { bookmaster } });
    await insertCrmUser(mongo.db, { externalIds: { bookmaster: bookmaster.toUpperCase().replace('BM_', 'bm_') } });

    const ids = async (platform: 'omnistack' | 'supabase' | 'bookmaster' | 'crm', id: string) =>
      (await claimersIn(adapter, platform, id)).map((record) => record.id).sort();

    expect(await ids('omnistack', omnistack.toUpperCase())).toEqual([...claimers].sort());
    expect(await ids('supabase', supabase)).toEqual([...supabaseClaimers].sort());
    expect(await ids('bookmaster', bookmaster)).toEqual([bookmasterClaimer]);
    expect(await ids('crm', omnistack)).toEqual([]);
  });

  it('reads malformed stored values as unreadable entries without crashing', async () => {
    const omnistack = newObjectId();
    const id = await insertCrmUser(mongo.db, {
      supabaseId: { $ne: null },
      externalIds: { omnistack: { $ne: null }, bookmaster: 42, supabase: 'x'.repeat(TEN_KB), crm: `crm_${'z'.repeat(3)}` },
    });
    const notAMap = await insertCrmUser(mongo.db, { externalIds: `crm_${omnistack}` });

    const record = await adapter.get(id);

    expect(record?.links).toEqual({});
    const reasons = record?.unreadable.map(({ platform, reason }) => `${platform}:${reason}`).sort();
    expect(reasons).toEqual(['bookmaster:not-a-string', 'crm:self-reference', 'omnistack:not-a-string', 'supabase:not-a-string', 'supabase:too-long']);
    expect(await adapter.get(notAMap)).toMatchObject({ links: {}, unreadable: [{ platform: null, reason: 'bad-format' }] });
    expect(await claimersIn(adapter, 'omnistack', omnistack)).toEqual([]);
  });
});
