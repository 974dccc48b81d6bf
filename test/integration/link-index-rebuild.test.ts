import pg from 'pg';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { codes } from '../../src/error-codes.ts';
import { startLinkIndexRebuild } from '../../src/link-index/link-index-rebuild.ts';
import { UNSEEN_PAGE_ROWS } from '../../src/link-index/unseen-rows.ts';
import { emailHash } from '../../src/link-index/link-rows.ts';
import type { RecordKey } from '../../src/ids/index.ts';
import type { PersonRecord } from '../../src/platforms/person-record.ts';
import { createLedgerFixture } from '../support/ledger-fixture.ts';
import type { LedgerFixture } from '../support/ledger-fixture.ts';
import { crmRecord, sessions } from '../support/link-index-records.ts';
import { waitFor } from '../support/wait-for.ts';

/*
 * The rebuild streams the scan's rows into a temporary table (COPY) and brings the index to them a
 * chunk at a time, two connections taking turns, or, when the index is empty, loads them into a
 * table of its own that takes the index's place: what it inserts, updates and drops is read back
 * from the index itself.
 */

function batch(prefix: string, size = 3): PersonRecord[] {
  return Array.from({ length: size }, (_, at) => crmRecord(`${prefix}-${at}`, `${prefix}-o${at}`));
}

interface HeldRow {
  readonly record_id: string;
  readonly email_hash: string | null;
  readonly claims: string[];
}

async function heldRows(fixture: LedgerFixture): Promise<HeldRow[]> {
  const { rows } = await fixture.connection.pool.query<HeldRow>(
    `select record_id, encode(email_hash, 'hex') as email_hash, claims from link_index order by record_id collate "C"`,
  );
  return rows;
}

async function rebuildFrom(fixture: LedgerFixture, ...batches: PersonRecord[][]) {
  const rebuild = await startLinkIndexRebuild(fixture.connection.pool, ['crm']);
  for (const records of batches) await rebuild.add(records);
  return rebuild.finish();
}

/** How a connection whose session the server ended fails: the server's admin shutdown, or the socket it closed. */
const SESSION_ENDED_CODES = ['57P01', 'EPIPE', 'ECONNRESET'];

/** A row of the clients' index, so that the index is not empty and a rebuild of people's rows merges. */
async function holdClientRow(fixture: LedgerFixture): Promise<void> {
  await fixture.connection.pool.query(`insert into link_index (kind, platform, record_id, claims) values ('client', 'crm', 'c1', '{}')`);
}

/** What an audit's scan tells the rebuild it saw: these records. */
function sawOnly(records: readonly PersonRecord[]) {
  const ids = new Set(records.map((record) => record.id));
  return (key: RecordKey) => key.platform === 'crm' && ids.has(key.id);
}

describe('the link index rebuild', () => {
  let fixture: LedgerFixture | undefined;

  afterEach(async () => {
    await fixture?.dispose();
    fixture = undefined;
  });

  it('fills an empty index with one row per scanned record, and changes nothing when the same scan comes again', async () => {
    fixture = await createLedgerFixture();
    const records = [...batch('a', 4), crmRecord('mail', 'o-mail', 'someone@example.com')];

    expect(await rebuildFrom(fixture, records.slice(0, 2), records.slice(2))).toEqual({ written: 5, removed: 0 });
    const rows = await heldRows(fixture);
    expect(rows).toContainEqual({ record_id: 'a-0', email_hash: null, claims: ['omnistack:a-o0'] });
    expect(rows).toContainEqual({ record_id: 'mail', email_hash: emailHash('someone@example.com'), claims: ['omnistack:o-mail'] });

    expect(await rebuildFrom(fixture, records)).toEqual({ written: 0, removed: 0 });
    expect(await heldRows(fixture)).toEqual(rows);
  });

  it('updates the rows of records that changed, and drops those of records the scan did not see, but not those changed after it began', async () => {
    fixture = await createLedgerFixture();
    await rebuildFrom(fixture, [crmRecord('kept', 'o1'), crmRecord('moved', 'o1'), ...batch('gone', 2)]);
    const rebuild = await startLinkIndexRebuild(fixture.connection.pool, ['crm']);
    const scanned = [crmRecord('kept', 'o1'), crmRecord('moved', 'o2')];
    await rebuild.add(scanned);
    // After the scan began, a reconcile indexes one record the scan did not see and changes another.
    await fixture.links.refresh([crmRecord('newer', 'o3'), crmRecord('gone-1', 'o4')], []);

    expect(await rebuild.finish(sawOnly(scanned))).toEqual({ written: 1, removed: 1 });

    expect((await heldRows(fixture)).map(({ record_id, claims }) => [record_id, claims])).toEqual([
      ['gone-1', ['omnistack:o4']],
      ['kept', ['omnistack:o1']],
      ['moved', ['omnistack:o2']],
      ['newer', ['omnistack:o3']],
    ]);
  });

  it('drops only the scanned platforms\' rows, and only rows of its own kind', async () => {
    fixture = await createLedgerFixture();
    const { pool } = fixture.connection;
    await pool.query(`insert into link_index (kind, platform, record_id, claims) values ('user', 'omnistack', 'o1', '{}'), ('client', 'crm', 'c1', '{}')`);

    const rebuild = await startLinkIndexRebuild(pool, ['crm']);
    await rebuild.add(batch('a', 1));
    expect(await rebuild.finish(sawOnly(batch('a', 1)))).toEqual({ written: 1, removed: 0 });

    const { rows } = await pool.query<{ key: string }>(`select kind || ':' || platform || ':' || record_id as key from link_index order by 1`);
    expect(rows.map((row) => row.key)).toEqual(['client:crm:c1', 'user:crm:a-0', 'user:omnistack:o1']);
  });

  it('stores any id exactly, whatever characters COPY and an array literal give meaning to', async () => {
    fixture = await createLedgerFixture();
    const current = fixture;
    const special = fc.constantFrom('\\', '\t', '\n', '\r', '"', ',', '{', '}', ' ', 'NULL', '\\N', 'é', '😀', 'a');
    const id = fc.string({ unit: special, minLength: 1, maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.tuple(id, id), { minLength: 1, maxLength: 20, selector: ([own]) => own }), async (pairs) => {
        await current.connection.pool.query('truncate link_index');
        await rebuildFrom(current, pairs.map(([own, claimed]) => crmRecord(own, claimed)));
        const held = await heldRows(current);
        expect(held.map(({ record_id, claims }) => [record_id, claims]).sort()).toEqual(pairs.map(([own, claimed]) => [own, [`omnistack:${claimed}`]]).sort());
      }),
      { numRuns: 30 },
    );
  });

  it('leaves the index analyzed, so the planner looks emails up through their index from the first reconcile on', async () => {
    fixture = await createLedgerFixture();
    const { pool } = fixture.connection;
    const analyzed = async () => (await pool.query<{ at: Date | null }>(`select last_analyze as at from pg_stat_user_tables where relname = 'link_index'`)).rows[0]?.at ?? null;
    expect(await analyzed()).toBe(null);

    await rebuildFrom(fixture, batch('a', 50));

    expect(await analyzed()).toBeInstanceOf(Date);
  });

  it('reports a stream that failed, with its code, to the next add and at finish, and changes nothing', async () => {
    fixture = await createLedgerFixture();
    const { pool } = fixture.connection;
    await rebuildFrom(fixture, batch('a'));
    const rebuild = await startLinkIndexRebuild(pool, ['crm']);
    await rebuild.add(batch('b'));
    // The COPY goes out once the client gets to it, maybe after add resolved: end its session once the server runs it.
    const terminated = async () => (await pool.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query like 'copy link_index_scan%'`)).rows.length > 0;
    await waitFor('the COPY to reach the server, and its session to be ended', terminated);

    // The code of the failure a call rejects with ('resolved' when it did not).
    const codeOf = (call: Promise<unknown>) => call.then(() => 'resolved', (error: unknown) => (error as { code?: unknown }).code);
    await waitFor('an add to see the stream fail', async () => (await codeOf(rebuild.add(batch('c')))) !== 'resolved');
    // The client learns of an ended session from the server's own message (57P01), or, when its
    // next COPY write comes first, from the broken socket, which Node then closes unread.
    expect(SESSION_ENDED_CODES).toContain(await codeOf(rebuild.add(batch('d'))));
    expect(SESSION_ENDED_CODES).toContain(await codeOf(rebuild.finish()));
    expect((await heldRows(fixture)).map((row) => row.record_id)).toEqual(['a-0', 'a-1', 'a-2']);
  });

  it('gives its connections up at close, twice safely, leaving the index as it was', async () => {
    fixture = await createLedgerFixture();
    const { pool } = fixture.connection;
    await holdClientRow(fixture);
    const before = await sessions(fixture);
    const rebuild = await startLinkIndexRebuild(pool, ['crm']);
    await rebuild.add(batch('a'));
    // Two connections of its own, none of the pool's.
    expect(await sessions(fixture)).toBe(before + 2);
    expect(pool.totalCount - pool.idleCount).toBe(0);

    rebuild.close();
    rebuild.close();

    const current = fixture;
    await waitFor('the rebuild\'s sessions to end', async () => (await sessions(current)) === before);
    expect(await rebuildFrom(fixture, batch('b', 1))).toEqual({ written: 1, removed: 0 });
    expect((await heldRows(fixture)).map((row) => row.record_id)).toEqual(['b-0', 'c1']);
  });

  it('merges a chunk at a time, the connections taking turns, with every system\'s scan adding at once', async () => {
    fixture = await createLedgerFixture();
    const { pool } = fixture.connection;
    await holdClientRow(fixture);
    const rebuild = await startLinkIndexRebuild(pool, ['crm'], { chunkRows: 4 });
    const scans = ['x', 'y', 'z'].map((prefix) => Array.from({ length: 5 }, (_, at) => batch(`${prefix}${at}`, 3)));

    await Promise.all(scans.map(async (batches) => {
      for (const records of batches) await rebuild.add(records);
    }));
    // A chunk merged before finish: the scan's rows reach the index while it reads on.
    const mergedBeforeFinish = (await heldRows(fixture)).length;
    expect(await rebuild.finish()).toEqual({ written: 45, removed: 0 });

    expect(mergedBeforeFinish).toBeGreaterThan(1);
    expect(await heldRows(fixture)).toHaveLength(45 + 1);
    const current = fixture;
    await waitFor('the rebuild\'s sessions to end', async () => (await sessions(current)) <= pool.totalCount);
  });

  it('refuses a chunkRows under 1 or not whole with CONFIG, before it touches the database', async () => {
    fixture = await createLedgerFixture();
    const pool = new pg.Pool({ connectionString: fixture.url });
    try {
      for (const chunkRows of [0, -1, 1.5, Number.NaN]) {
        await expect(startLinkIndexRebuild(pool, ['crm'], { chunkRows })).rejects.toMatchObject({ code: codes.CONFIG });
      }
      // No statement was sent: the pool never opened a connection.
      expect(pool.totalCount).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('drops unseen rows across pages of keys, and keeps every seen one', async () => {
    fixture = await createLedgerFixture();
    const records = batch('many', 2 * UNSEEN_PAGE_ROWS + UNSEEN_PAGE_ROWS / 2);
    await rebuildFrom(fixture, records);
    const rebuild = await startLinkIndexRebuild(fixture.connection.pool, ['crm']);

    // Every third record seen: unseen keys on every page of the look-up.
    const removed = await rebuild.finish((key) => Number(key.id.slice('many-'.length)) % 3 === 0);

    expect(removed).toEqual({ written: 0, removed: records.length - Math.ceil(records.length / 3) });
    expect(await heldRows(fixture)).toHaveLength(Math.ceil(records.length / 3));
  });
});
