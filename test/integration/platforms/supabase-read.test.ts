import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Platform } from '../../../src/ids/index.ts';
import type { PlatformAdapter } from '../../../src/platforms/platform-adapter.ts';
import { createSupabaseAdapter } from '../../../src/platforms/supabase/supabase-adapter.ts';
import { claimersIn } from '../../support/claimers.ts';
import { newBookmasterId, newObjectId, newUuid } from '../../support/platform-seeders.ts';
import { describeWithAuthServer, openTestSupabase } from '../../support/supabase.ts';
import type { TestSupabase } from '../../support/supabase.ts';

const TEN_KB = 10_240;
const MALFORMED_IDS: Array<[label: string, value: unknown]> = [
  ['operator object', { $ne: null }],
  ['number', 42],
  ['prefixed uuid', `supabase_${newUuid()}`],
  ['10 kB string', 'a'.repeat(TEN_KB)],
  ['padded', ` ${newUuid()}`],
  ['SQL', `' or 1=1 --`],
];

describeWithAuthServer('Supabase adapter: reading', () => {
  let supabase: TestSupabase;
  let adapter: PlatformAdapter;

  beforeEach(async () => {
    supabase = await openTestSupabase('sb-read');
    adapter = createSupabaseAdapter(supabase.pool, supabase.admin);
  });

  afterEach(async () => {
    await supabase.dispose();
  });

  it('gets a user as a record: id, normalized email, created_at, links from app_metadata.external_ids', async () => {
    const [crm, omnistack, bookmaster] = [newObjectId(), newObjectId(), newBookmasterId()];
    const id = await supabase.seedUser({
      email: supabase.email('Ada'),
      appMetadata: { external_ids: { crm: crm.toUpperCase(), omnistack: `omni_${omnistack}`, bookmaster, ledger: 'L-1' }, team: 'ops' },
    });
    const stored = await supabase.rawUser(id);

    expect(await adapter.get(id.toUpperCase())).toEqual({
      platform: 'supabase',
      id,
      email: supabase.email('ada'),
      createdAt: expect.any(Date),
      links: { crm, omnistack, bookmaster },
      extraLinks: {},
      unreadable: [],
      snapshot: expect.anything(),
    });
    const { rows } = await supabase.pool.query<{ created_at: Date }>('select created_at from auth.users where id = $1', [id]);
    expect((await adapter.get(id))?.createdAt).toEqual(rows[0]?.created_at);
    expect(stored?.email).toBe(supabase.email('ada'));
    expect(await adapter.get(newUuid())).toBeNull();
  });

  it('never reads links from user_metadata, which the user can write', async () => {
    const crm = newObjectId();
    const id = await supabase.seedUser({ userMetadata: { external_ids: { crm } }, appMetadata: { external_ids: {} } });
    expect(await adapter.get(id)).toMatchObject({ links: {}, unreadable: [] });
    expect(await claimersIn(adapter, 'crm', crm, [id])).toEqual([]);
  });

  it('counts a soft-deleted user as absent in every read', async () => {
    const crm = newObjectId();
    const email = supabase.email();
    const id = await supabase.seedUser({ email, appMetadata: { external_ids: { crm } } });
    const { error } = await supabase.setup.deleteUser(id, true);
    expect(error).toBeNull();
    expect((await supabase.rawUser(id))?.deleted_at).toBeInstanceOf(Date);

    expect(await adapter.get(id)).toBeNull();
    expect(await adapter.findByEmail(email)).toEqual([]);
    expect(await claimersIn(adapter, 'crm', crm, [id])).toEqual([]);
    const scanned = [];
    for await (const batch of adapter.scan({ batchSize: 5000 })) scanned.push(...batch.map((record) => record.id));
    expect(scanned).not.toContain(id);
  });

  it('finds users by email in any letter case and padding, with LIKE characters taken literally', async () => {
    const id = await supabase.seedUser({ email: supabase.email('grace_hopper%1') });
    await supabase.seedUser({ email: supabase.email('graceXhopperY1') });
    const found = async (query: string) => (await adapter.findByEmail(query)).map((record) => record.id);

    expect(await found(`  ${supabase.email('Grace_Hopper%1').toUpperCase()}\t`)).toEqual([id]);
    expect(await found(supabase.email('grace_hopper%1'))).toEqual([id]);
    expect(await found(`grace%@${supabase.domain}`)).toEqual([]);
  });

  it('finds the users that claim an id in every tolerated stored form, and only those', async () => {
    const [crm, omnistack, bookmaster] = [newObjectId(), newObjectId(), `bm_Ab${newObjectId()}`];
    const crmClaimers = [
      await supabase.seedUser({ appMetadata: { external_ids: { crm } } }),
      await supabase.seedUser({ appMetadata: { external_ids: { crm: `crm_${crm.toUpperCase()}` } } }),
    ];
    const omnistackClaimer = await supabase.seedUser({ appMetadata: { external_ids: { omnistack: `omnistack_${omnistack}` } } });
    const bookmasterClaimer = await supabase.seedUser({ appMetadata: { external_ids: { bookmaster } } });
    // Not claims: a wrong-case prefix, a foreign key holding the id, a map that is an array.
    const others = [
      await supabase.seedUser({ appMetadata: { external_ids: { crm: `CRM_${crm}`, partner: crm } } }),
      await supabase.seedUser({ appMetadata: { external_ids: [{ crm }] } }),
    ];
    const seeded = [...crmClaimers, omnistackClaimer, bookmasterClaimer, ...others];
    const ids = async (platform: Platform, id: string) => (await claimersIn(adapter, platform, id, seeded)).map((record) => record.id).sort();

    expect(await ids('crm', crm)).toEqual([...crmClaimers].sort());
    expect(await ids('omnistack', omnistack.toUpperCase())).toEqual([omnistackClaimer]);
    expect(await ids('bookmaster', bookmaster)).toEqual([bookmasterClaimer]);
    // Bookmaster ids are case-sensitive: another case is another user's id.
    expect(await ids('bookmaster', bookmaster.replace('Ab', 'ab'))).toEqual([]);
    expect(await ids('supabase', newUuid())).toEqual([]);
  });

  it('reads malformed stored values as unreadable entries without crashing', async () => {
    const crm = newObjectId();
    const id = await supabase.seedUser({
      appMetadata: { external_ids: { crm: { $ne: null }, omnistack: 42, bookmaster: 'x'.repeat(TEN_KB), supabase: newUuid(), $ne: null } },
    });
    const notAMap = await supabase.seedUser({ appMetadata: { external_ids: `crm_${crm}` } });

    const record = await adapter.get(id);

    expect(record?.links).toEqual({});
    const reasons = record?.unreadable.map(({ platform, reason }) => `${platform}:${reason}`).sort();
    expect(reasons).toEqual(['bookmaster:too-long', 'crm:not-a-string', 'omnistack:not-a-string', 'supabase:self-reference']);
    expect(await adapter.get(notAMap)).toMatchObject({ links: {}, unreadable: [{ platform: null, reason: 'bad-format' }] });
    expect(await claimersIn(adapter, 'crm', crm, [id, notAMap])).toEqual([]);
  });

  it.each(MALFORMED_IDS)('rejects a malformed id (%s) in get and getMany before any query', async (_label, value) => {
    await supabase.seedUser();
    supabase.resetCounts();

    await expect(adapter.get(value as string)).rejects.toMatchObject({ code: 'IDSYNC_ERR_INVALID_ID' });
    await expect(adapter.getMany([newUuid(), value as string])).rejects.toMatchObject({ code: 'IDSYNC_ERR_INVALID_ID' });
    expect(supabase.queries()).toBe(0);
  });

  it('rejects a bad email, a bad batch size and a foreign record before any query or request', async () => {
    supabase.resetCounts();
    const expectCode = (work: () => Promise<unknown>, code: string) => expect(work()).rejects.toMatchObject({ code });

    await expectCode(() => adapter.findByEmail({ $regex: '.*' } as unknown as string), 'IDSYNC_ERR_INVALID_EMAIL');
    await expectCode(() => adapter.findByEmail(' '), 'IDSYNC_ERR_INVALID_EMAIL');
    for (const batchSize of [0, -1, 1.5, Number.NaN, 1e9]) {
      await expectCode(() => adapter.scan({ batchSize })[Symbol.asyncIterator]().next(), 'IDSYNC_ERR_INVALID_BATCH_SIZE');
    }
    const forged = { platform: 'supabase', id: { $ne: null }, snapshot: { kind: 'supabase-user', externalIds: null } } as never;
    await expectCode(() => adapter.writeLinks(forged, { set: { crm: newObjectId() }, unset: [] }), 'IDSYNC_ERR_INVALID_ID');
    const bookmasterRecord = { platform: 'bookmaster', id: newBookmasterId(), snapshot: null } as never;
    await expectCode(() => adapter.writeLinks(bookmasterRecord, { set: { crm: newObjectId() }, unset: [] }), 'IDSYNC_ERR_INVALID_RECORD');
    const noSnapshot = { platform: 'supabase', id: newUuid(), snapshot: { kind: 'bookmaster-user', externalIds: null } } as never;
    await expectCode(() => adapter.writeLinks(noSnapshot, { set: { crm: newObjectId() }, unset: [] }), 'IDSYNC_ERR_INVALID_SNAPSHOT');
    const record = { platform: 'supabase', id: newUuid(), snapshot: { kind: 'supabase-user', externalIds: null } } as never;
    await expectCode(() => adapter.writeLinks(record, { set: { crm: { $ne: null } as never }, unset: [] }), 'IDSYNC_ERR_INVALID_ID');
    expect([supabase.queries(), supabase.requests()]).toEqual([0, 0]);
  });
});
