import { afterEach, describe, expect, it } from 'vitest';
import { startLinkIndexRebuild } from '../../src/link-index/link-index-rebuild.ts';
import { createLedgerFixture } from '../support/ledger-fixture.ts';
import type { LedgerFixture } from '../support/ledger-fixture.ts';
import { crmRecord, sessions } from '../support/link-index-records.ts';
import { waitFor } from '../support/wait-for.ts';

/*
 * A rebuild that finds the index empty loads the scan's rows into a table of its own, indexes it and
 * swaps it in: the table that results is read back from the catalog and the rows from the index.
 */

async function claimsById(fixture: LedgerFixture): Promise<Array<[string, string[]]>> {
  const { rows } = await fixture.connection.pool.query<{ record_id: string; claims: string[] }>(`select record_id, claims from link_index order by record_id collate "C"`);
  return rows.map((row) => [row.record_id, row.claims]);
}

/** What the migrations made of the table, besides its identity: columns, indexes (with their options) and constraints. */
async function shape(fixture: LedgerFixture): Promise<unknown> {
  const { pool } = fixture.connection;
  const columns = await pool.query(`select column_name, data_type, is_nullable, column_default from information_schema.columns where table_name = 'link_index' order by ordinal_position`);
  const indexes = await pool.query(`select indexname, indexdef from pg_indexes where tablename = 'link_index' order by indexname`);
  const constraints = await pool.query(`select conname, pg_get_constraintdef(oid) as definition from pg_constraint where conrelid = 'link_index'::regclass order by conname`);
  return { columns: columns.rows, indexes: indexes.rows, constraints: constraints.rows };
}

async function tableOid(fixture: LedgerFixture): Promise<number> {
  return (await fixture.connection.pool.query<{ oid: number }>(`select 'link_index'::regclass::oid as oid`)).rows[0]?.oid ?? -1;
}

describe('the link index rebuild of an empty index', () => {
  let fixture: LedgerFixture | undefined;

  afterEach(async () => {
    await fixture?.dispose();
    fixture = undefined;
  });

  it('loads a table of its own on one connection, which takes the index\'s place with the columns, indexes and key the migrations gave it', async () => {
    fixture = await createLedgerFixture();
    const migrated = await shape(fixture);
    const [oid, before] = [await tableOid(fixture), await sessions(fixture)];

    const rebuild = await startLinkIndexRebuild(fixture.connection.pool, ['crm']);
    await rebuild.add([crmRecord('a', 'o1'), crmRecord('b', 'o2')]);
    expect(await sessions(fixture)).toBe(before + 1);
    expect(await rebuild.finish()).toEqual({ written: 2, removed: 0 });

    expect(await tableOid(fixture)).not.toBe(oid);
    expect(await shape(fixture)).toEqual(migrated);
    expect(await claimsById(fixture)).toEqual([['a', ['omnistack:o1']], ['b', ['omnistack:o2']]]);
  });

  it('keeps what reconciles wrote while it loaded over the scan\'s rows, and the statements the pool prepared before still run', async () => {
    fixture = await createLedgerFixture();
    const { links } = fixture;
    // Prepares the look-up on the pool's connection, against the table about to be replaced.
    expect(await links.claimersOf([{ platform: 'omnistack', id: 'o1' }])).toEqual([]);

    const rebuild = await startLinkIndexRebuild(fixture.connection.pool, ['crm']);
    await rebuild.add([crmRecord('x', 'o1'), crmRecord('y', 'o1')]);
    await links.refresh([crmRecord('x', 'o2'), crmRecord('newer', 'o3')], []);
    expect(await rebuild.finish(() => false)).toEqual({ written: 2, removed: 0 });

    expect(await claimsById(fixture)).toEqual([['newer', ['omnistack:o3']], ['x', ['omnistack:o2']], ['y', ['omnistack:o1']]]);
    expect(await links.claimersOf([{ platform: 'omnistack', id: 'o1' }])).toEqual([{ platform: 'crm', id: 'y' }]);
  });

  it('keeps one row of a record the scan read twice, and counts it once', async () => {
    fixture = await createLedgerFixture();
    const migrated = await shape(fixture);
    const rebuild = await startLinkIndexRebuild(fixture.connection.pool, ['crm']);
    await rebuild.add([crmRecord('a', 'o1'), crmRecord('b', 'o2')]);
    await rebuild.add([crmRecord('a', 'o3')]);

    expect(await rebuild.finish()).toEqual({ written: 2, removed: 0 });

    const [a, b] = await claimsById(fixture);
    expect([['a', ['omnistack:o1']], ['a', ['omnistack:o3']]]).toContainEqual(a);
    expect(b).toEqual(['b', ['omnistack:o2']]);
    expect(await shape(fixture)).toEqual(migrated);
  });

  it('leaves the index as it was when the load fails, reports its code and gives its connection up', async () => {
    fixture = await createLedgerFixture();
    const { pool } = fixture.connection;
    const [oid, before] = [await tableOid(fixture), await sessions(fixture)];
    // A table in the load table's place: making it fails (duplicate_table).
    await pool.query('create table link_index_load (id int)');

    const rebuild = await startLinkIndexRebuild(pool, ['crm']);
    await rebuild.add([crmRecord('a', 'o1')]);
    await expect(rebuild.finish()).rejects.toMatchObject({ code: '42P07' });

    expect(await tableOid(fixture)).toBe(oid);
    expect(await claimsById(fixture)).toEqual([]);
    const current = fixture;
    await waitFor('the rebuild\'s session to end', async () => (await sessions(current)) === before);
  });

  it('two first builds at once each leave their rows', async () => {
    fixture = await createLedgerFixture();
    const { pool } = fixture.connection;
    const [first, second] = await Promise.all([startLinkIndexRebuild(pool, ['crm']), startLinkIndexRebuild(pool, ['crm'])]);
    await first.add([crmRecord('a', 'o1')]);
    await second.add([crmRecord('b', 'o2')]);

    expect(await Promise.all([first.finish(), second.finish()])).toEqual([{ written: 1, removed: 0 }, { written: 1, removed: 0 }]);

    expect(await claimsById(fixture)).toEqual([['a', ['omnistack:o1']], ['b', ['omnistack:o2']]]);
  });
});
