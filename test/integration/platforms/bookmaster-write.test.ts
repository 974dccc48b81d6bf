import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBookmasterAdapter } from '../../../src/platforms/bookmaster/bookmaster-adapter.ts';
import type { PersonRecord } from '../../../src/platforms/person-record.ts';
import type { PlatformAdapter } from '../../../src/platforms/platform-adapter.ts';
import { openTestBookmaster, readExisting } from '../../support/platform-fixtures.ts';
import type { TestBookmaster } from '../../support/platform-fixtures.ts';
import { insertBookmasterUser, newBookmasterId, newObjectId, newUuid, rawBookmasterRow } from '../../support/platform-seeders.ts';

const SEEDED_AT = new Date(Date.UTC(2024, 0, 1));

describe('Bookmaster adapter: writing links and scanning', () => {
  let bookmaster: TestBookmaster;
  let adapter: PlatformAdapter;

  beforeEach(async () => {
    bookmaster = await openTestBookmaster();
    adapter = createBookmasterAdapter(bookmaster.pool);
  });

  afterEach(async () => {
    await bookmaster.drop();
  });

  const read = (id: string) => readExisting(adapter, id);

  async function storedText(id: string): Promise<string | undefined> {
    const { rows } = await bookmaster.pool.query<{ text: string }>('select external_ids::text as text from users where id = $1', [id]);
    return rows[0]?.text;
  }

  it('sets and unsets links, keeping foreign keys exactly (a number JavaScript cannot hold included)', async () => {
    const [crm, omnistack, supabase] = [newObjectId(), newObjectId(), newUuid()];
    const id = await insertBookmasterUser(bookmaster.pool, { fullName: 'Ada', externalIds: { omnistack: `omni_${omnistack}`, erp: { n: 1 } } });
    await bookmaster.pool.query(`update users set external_ids = external_ids || '{"big": 12345678901234567890123}', updated_at = $2 where id = $1`, [id, SEEDED_AT]);

    expect(await adapter.writeLinks(await read(id), { set: { crm, supabase }, unset: ['omnistack'] })).toBe('written');

    // jsonb prints keys shortest first, then bytewise.
    expect(await storedText(id)).toBe(`{"big": 12345678901234567890123, "crm": "${crm}", "erp": {"n": 1}, "supabase": "${supabase}"}`);
    const row = await rawBookmasterRow(bookmaster.pool, id);
    expect(row).toMatchObject({ full_name: 'Ada' });
    expect((row?.updated_at as Date).getTime()).toBeGreaterThan(SEEDED_AT.getTime());
    expect(await read(id)).toMatchObject({ links: { crm, supabase } });
  });

  it('replaces a map that is not an object when a link is stored', async () => {
    const crm = newObjectId();
    const id = await insertBookmasterUser(bookmaster.pool, { externalIds: ['legacy'] });
    expect(await adapter.writeLinks(await read(id), { set: { crm }, unset: [] })).toBe('written');
    expect(await storedText(id)).toBe(`{"crm": "${crm}"}`);
  });

  it('answers written without a write when the change is already in place', async () => {
    const crm = newObjectId();
    const record = await read(await insertBookmasterUser(bookmaster.pool, { externalIds: { crm } }));
    bookmaster.resetQueries();

    expect(await adapter.writeLinks(record, { set: { crm }, unset: ['supabase', 'bookmaster'] })).toBe('written');
    expect(bookmaster.queries()).toBe(0);
  });

  it('answers stale and changes nothing when the map changed since the read', async () => {
    const id = await insertBookmasterUser(bookmaster.pool, { externalIds: { crm: newObjectId() } });
    const staleRecord = await read(id);
    await bookmaster.pool.query(`update users set external_ids = external_ids || '{"erp": "x"}' where id = $1`, [id]);
    const before = await rawBookmasterRow(bookmaster.pool, id);

    expect(await adapter.writeLinks(staleRecord, { set: { supabase: newUuid() }, unset: [] })).toBe('stale');
    expect(await rawBookmasterRow(bookmaster.pool, id)).toEqual(before);
  });

  it('lets exactly one of two concurrent writes from the same snapshot win', async () => {
    const id = await insertBookmasterUser(bookmaster.pool);
    const record = await read(id);
    const [first, second] = [newObjectId(), newObjectId()];

    const outcomes = await Promise.all([
      adapter.writeLinks(record, { set: { crm: first }, unset: [] }),
      adapter.writeLinks(record, { set: { crm: second }, unset: [] }),
    ]);

    expect([...outcomes].sort()).toEqual(['stale', 'written']);
    expect((await read(id)).links.crm).toBe(outcomes[0] === 'written' ? first : second);
  });

  it.each([
    { users: 7, batchSize: 3, roundTrips: 3 },
    { users: 6, batchSize: 3, roundTrips: 2 },
    { users: 0, batchSize: 3, roundTrips: 1 },
  ])('scans $users users in batches of $batchSize, each once, in $roundTrips round trips', async ({ users, batchSize, roundTrips }) => {
    const ids: string[] = [];
    for (let index = 0; index < users; index += 1) ids.push(await insertBookmasterUser(bookmaster.pool, { id: newBookmasterId() }));
    bookmaster.resetQueries();

    const batches: PersonRecord[][] = [];
    for await (const batch of adapter.scan({ batchSize })) batches.push(batch);

    expect(batches.every((batch) => batch.length <= batchSize)).toBe(true);
    expect(batches.flat().map((record) => record.id).sort()).toEqual(ids.sort());
    expect(bookmaster.queries()).toBe(roundTrips);
  });
});
