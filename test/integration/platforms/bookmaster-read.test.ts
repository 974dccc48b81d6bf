import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBookmasterAdapter } from '../../../src/platforms/bookmaster/bookmaster-adapter.ts';
import type { PlatformAdapter } from '../../../src/platforms/platform-adapter.ts';
import { claimersIn } from '../../support/claimers.ts';
import { openTestBookmaster } from '../../support/platform-fixtures.ts';
import type { TestBookmaster } from '../../support/platform-fixtures.ts';
import { insertBookmasterUser, newBookmasterId, newObjectId, newUuid } from '../../support/platform-seeders.ts';

const TEN_KB = 10_240;
const CREATED = new Date(Date.UTC(2023, 4, 6, 7, 8, 9));

describe('Bookmaster adapter: reading', () => {
  let bookmaster: TestBookmaster;
  let adapter: PlatformAdapter;

  beforeEach(async () => {
    bookmaster = await openTestBookmaster();
    adapter = createBookmasterAdapter(bookmaster.pool);
  });

  afterEach(async () => {
    await bookmaster.drop();
  });

  it('gets a user as a record: its id as it is, normalized email, created_at, links', async () => {
    const [crm, omnistack, supabase] = [newObjectId(), newObjectId(), newUuid()];
    const id = await insertBookmasterUser(bookmaster.pool, {
      id: 'bm_Ab12',
      email: ' Ada@Example.COM',
      createdAt: CREATED,
      externalIds: { crm: crm.toUpperCase(), omnistack: `omni_${omnistack}`, supabase, ledger: 'L-1' },
    });

    expect(await adapter.get(id)).toEqual({
      platform: 'bookmaster',
      id: 'bm_Ab12',
      email: 'ada@example.com',
      createdAt: CREATED,
      links: { crm, omnistack, supabase },
      extraLinks: {},
      unreadable: [],
      snapshot: expect.anything(),
    });
    // Bookmaster ids are case-sensitive: another case is another row.
    expect(await adapter.get('bm_ab12')).toBeNull();
  });

  it('finds users by email, trimmed and case-insensitively, with LIKE characters taken literally', async () => {
    const id = await insertBookmasterUser(bookmaster.pool, { email: '\tGrace_Hopper%1@Example.com ' });
    await insertBookmasterUser(bookmaster.pool, { email: 'graceXhopperY1@example.com' });

    expect((await adapter.findByEmail('grace_hopper%1@EXAMPLE.com')).map((record) => record.id)).toEqual([id]);
    expect(await adapter.findByEmail('grace%')).toEqual([]);
  });

  it('finds the users that claim an id in every tolerated stored form, and only those', async () => {
    const [crm, omnistack, supabase] = [newObjectId(), newObjectId(), newUuid()];
    const crmClaimers = [
      await insertBookmasterUser(bookmaster.pool, { externalIds: { crm } }),
      await insertBookmasterUser(bookmaster.pool, { externalIds: { crm: `crm_${crm.toUpperCase()}` } }),
    ];
    const omnistackClaimers = [
      await insertBookmasterUser(bookmaster.pool, { externalIds: { omnistack: omnistack.toUpperCase() } }),
      await insertBookmasterUser(bookmaster.pool, { externalIds: { omnistack: `omnistack_${omnistack}` } }),
      await insertBookmasterUser(bookmaster.pool, { externalIds: { omnistack: `omni_${omnistack}` } }),
    ];
    const supabaseClaimer = await insertBookmasterUser(bookmaster.pool, { externalIds: { supabase: `supabase_${supabase}` } });
    // Not claims: a wrong-case prefix, a foreign key holding the id, a map that is an array.
    await insertBookmasterUser(bookmaster.pool, { externalIds: { crm: `CRM_${crm}`, partner: crm } });
    await insertBookmasterUser(bookmaster.pool, { externalIds: [{ crm }] });

    const ids = async (platform: 'crm' | 'omnistack' | 'supabase' | 'bookmaster', id: string) =>
      (await claimersIn(adapter, platform, id)).map((record) => record.id).sort();

    expect(await ids('crm', crm)).toEqual([...crmClaimers].sort());
    expect(await ids('omnistack', omnistack.toUpperCase())).toEqual([...omnistackClaimers].sort());
    expect(await ids('supabase', supabase)).toEqual([supabaseClaimer]);
    expect(await ids('bookmaster', newBookmasterId())).toEqual([]);
  });

  it('reads malformed stored values as unreadable entries without crashing', async () => {
    const crm = newObjectId();
    const id = await insertBookmasterUser(bookmaster.pool, {
      externalIds: { crm: { $ne: null }, omnistack: 42, supabase: 'x'.repeat(TEN_KB), bookmaster: 'bm_self', $ne: null },
    });
    const notAMap = await insertBookmasterUser(bookmaster.pool, { externalIds: `crm_${crm}` });

    const record = await adapter.get(id);

    expect(record?.links).toEqual({});
    const reasons = record?.unreadable.map(({ platform, reason }) => `${platform}:${reason}`).sort();
    expect(reasons).toEqual(['bookmaster:self-reference', 'crm:not-a-string', 'omnistack:not-a-string', 'supabase:too-long']);
    expect(await adapter.get(notAMap)).toMatchObject({ links: {}, unreadable: [{ platform: null, reason: 'bad-format' }] });
    expect(await claimersIn(adapter, 'crm', crm)).toEqual([]);
  });
});
