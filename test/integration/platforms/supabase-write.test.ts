import { afterEach, beforeEach, expect, it } from 'vitest';
import type { PlatformAdapter } from '../../../src/platforms/platform-adapter.ts';
import { createSupabaseAdapter } from '../../../src/platforms/supabase/supabase-adapter.ts';
import { openPostgres } from '../../../src/platforms/postgres-pool.ts';
import { readExisting } from '../../support/platform-fixtures.ts';
import { newBookmasterId, newObjectId, newUuid } from '../../support/platform-seeders.ts';
import { describeWithAuthServer, openTestSupabase, testAdmin, userAuthClient } from '../../support/supabase.ts';
import type { TestSupabase } from '../../support/supabase.ts';
import { testConfig } from '../../support/services.ts';
import { waitFor } from '../../support/wait-for.ts';

const CONCURRENT_WRITERS = 20;
/** Sessions waiting on an advisory lock whose query names the user (the lock's key is made from its id). */
const WAITING_ON_LOCK = `select count(*)::int as waiting from pg_stat_activity
 where wait_event_type = 'Lock' and wait_event = 'advisory' and query like $1`;

describeWithAuthServer('Supabase adapter: writing links', () => {
  let supabase: TestSupabase;
  let adapter: PlatformAdapter;

  beforeEach(async () => {
    supabase = await openTestSupabase('sb-write');
    adapter = createSupabaseAdapter(supabase.pool, supabase.admin);
  });

  afterEach(async () => {
    await supabase.dispose();
  });

  const read = (id: string) => readExisting(adapter, id);
  const appMetadata = async (id: string) => (await supabase.rawUser(id))?.raw_app_meta_data;

  it('sets and unsets links in app_metadata.external_ids, keeping its foreign keys and app_metadata\'s other keys', async () => {
    const [crm, omnistack, bookmaster] = [newObjectId(), newObjectId(), newBookmasterId()];
    const id = await supabase.seedUser({ appMetadata: { external_ids: { omnistack: `omni_${omnistack}`, erp: { n: 1 } }, team: 'ops' } });

    expect(await adapter.writeLinks(await read(id), { set: { crm, bookmaster }, unset: ['omnistack'] })).toBe('written');

    expect(await appMetadata(id)).toEqual({
      provider: 'email',
      providers: ['email'],
      team: 'ops',
      external_ids: { crm, bookmaster, erp: { n: 1 } },
    });
    expect(await read(id)).toMatchObject({ links: { crm, bookmaster } });
  });

  it('writes a first map for a user without one, and replaces a map that is not an object', async () => {
    const [withoutMap, notAMap] = [await supabase.seedUser(), await supabase.seedUser({ appMetadata: { external_ids: ['legacy'] } })];
    const crm = newObjectId();

    expect(await adapter.writeLinks(await read(withoutMap), { set: { crm }, unset: [] })).toBe('written');
    expect(await adapter.writeLinks(await read(notAMap), { set: { crm }, unset: [] })).toBe('written');

    expect((await appMetadata(withoutMap))?.external_ids).toEqual({ crm });
    expect((await appMetadata(notAMap))?.external_ids).toEqual({ crm });
  });

  it('answers written without a query or a request when the change is already in place', async () => {
    const crm = newObjectId();
    const id = await supabase.seedUser();
    expect(await adapter.writeLinks(await read(id), { set: { crm }, unset: [] })).toBe('written');
    const record = await read(id);
    supabase.resetCounts();

    expect(await adapter.writeLinks(record, { set: { crm }, unset: ['omnistack', 'bookmaster'] })).toBe('written');
    expect([supabase.queries(), supabase.requests()]).toEqual([0, 0]);
  });

  it('makes one admin request per write that changes something, and two round trips to the database', async () => {
    const id = await supabase.seedUser();
    const record = await read(id);
    supabase.resetCounts();

    expect(await adapter.writeLinks(record, { set: { crm: newObjectId() }, unset: [] })).toBe('written');
    // The transaction opened with the lock taken and the guard's re-read, then the commit.
    expect([supabase.requests(), supabase.queries()]).toEqual([1, 2]);
  });

  it('answers stale and changes nothing when the map changed since the read', async () => {
    const id = await supabase.seedUser({ appMetadata: { external_ids: { crm: newObjectId() } } });
    const staleRecord = await read(id);
    const { error } = await supabase.setup.updateUserById(id, { app_metadata: { external_ids: { crm: newObjectId(), erp: 'x' } } });
    expect(error).toBeNull();
    const before = await supabase.rawUser(id);
    supabase.resetCounts();

    expect(await adapter.writeLinks(staleRecord, { set: { omnistack: newObjectId() }, unset: [] })).toBe('stale');
    expect(await supabase.rawUser(id)).toEqual(before);
    expect(supabase.requests()).toBe(0);
  });

  it('answers stale for a user deleted since the read', async () => {
    const id = await supabase.seedUser();
    const record = await read(id);
    expect((await supabase.setup.deleteUser(id)).error).toBeNull();

    expect(await adapter.writeLinks(record, { set: { crm: newObjectId() }, unset: [] })).toBe('stale');
  });

  it('answers stale for a user deleted between the guard and the admin call', async () => {
    const id = await supabase.seedUser();
    const deleting = createSupabaseAdapter(supabase.pool, testAdmin({
      fetch: async (input, init) => {
        expect((await supabase.setup.deleteUser(id)).error).toBeNull();
        return fetch(input, init);
      },
    }));

    expect(await deleting.writeLinks(await read(id), { set: { crm: newObjectId() }, unset: [] })).toBe('stale');
  });

  it(`lets exactly one of ${CONCURRENT_WRITERS} concurrent writes from the same snapshot win, the others re-reading after the lock's wait`, async () => {
    const id = await supabase.seedUser();
    const record = await read(id);
    const ids = Array.from({ length: CONCURRENT_WRITERS }, () => newObjectId());
    // The winner's admin call is held until every other writer waits on the user's lock, each on a
    // connection of its own: a re-read whose snapshot predated that wait would let them all win.
    const writers = await openPostgres('supabase', testConfig().supabase.dbUrl, { maxConnections: CONCURRENT_WRITERS });
    const waitingOnLock = async () => (await supabase.pool.query(WAITING_ON_LOCK, [`%${id}%`])).rows[0]?.waiting === CONCURRENT_WRITERS - 1;
    let held = false;
    const holding = createSupabaseAdapter(writers.pool, testAdmin({
      fetch: async (input, init) => {
        if (!held) {
          held = true;
          await waitFor('every other writer to wait on the lock', waitingOnLock);
        }
        return fetch(input, init);
      },
    }));
    try {
      const outcomes = await Promise.all(ids.map((crm) => holding.writeLinks(record, { set: { crm }, unset: [] })));

      expect(outcomes.filter((outcome) => outcome === 'written')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === 'stale')).toHaveLength(CONCURRENT_WRITERS - 1);
      expect((await read(id)).links.crm).toBe(ids[outcomes.indexOf('written')]);
    } finally {
      await writers.close();
    }
  });

  it('ignores the external_ids a signed-up user writes into their own user_metadata, and leaves them as written', async () => {
    const client = userAuthClient();
    const email = supabase.email('self-service');
    const signUp = await client.signUp({ email, password: `pw-${newUuid()}` });
    expect(signUp.error).toBeNull();
    const id = signUp.data.user?.id ?? '';
    const forged = { crm: newObjectId(), omnistack: `omni_${newObjectId()}` };
    const update = await client.updateUser({ data: { external_ids: forged } });
    expect(update.error).toBeNull();

    expect(await read(id)).toMatchObject({ links: {}, unreadable: [] });
    const crm = newObjectId();
    expect(await adapter.writeLinks(await read(id), { set: { crm }, unset: [] })).toBe('written');

    const stored = await supabase.rawUser(id);
    expect(stored?.raw_user_meta_data?.external_ids).toEqual(forged);
    expect(stored?.raw_app_meta_data?.external_ids).toEqual({ crm });
    expect((await read(id)).links).toEqual({ crm });
  });
});
