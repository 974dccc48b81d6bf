import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { codes } from '../../src/error-codes.ts';
import { createLinkIndex } from '../../src/link-index/link-index.ts';
import { startLinkIndexRebuild, UNSEEN_PAGE_ROWS } from '../../src/link-index/link-index-rebuild.ts';
import type { PersonRecord } from '../../src/platforms/person-record.ts';
import { createLedgerFixture } from '../support/ledger-fixture.ts';
import type { LedgerFixture } from '../support/ledger-fixture.ts';
import { waitFor } from '../support/wait-for.ts';

/*
 * The rebuild's writes go on while the scan reads: at most `writesInFlight` at once, the scan held
 * back when that many are. A lock on the index held by another session stops every write, so the
 * number in flight can be read from Postgres while they wait.
 */

function batch(prefix: string, size = 3): PersonRecord[] {
  return Array.from({ length: size }, (_, at) => ({
    platform: 'crm',
    id: `${prefix}-${at}`,
    email: null,
    createdAt: new Date(0),
    links: { omnistack: `${prefix}-o${at}` },
    extraLinks: {},
    unreadable: [],
    snapshot: null,
  }));
}

/**
 * A ledger whose link index another session holds locked, so that every index write waits: the
 * `holder` commits to release it, and `observer` counts the writes waiting (a session of its own,
 * as pg_stat_activity is a snapshot per transaction).
 */
interface LockedIndex {
  readonly fixture: LedgerFixture;
  readonly holder: pg.Client;
  readonly observer: pg.Client;
  waiting(): Promise<number>;
  release(): Promise<void>;
}

async function lockedIndex(): Promise<LockedIndex> {
  const fixture = await createLedgerFixture();
  const [holder, observer] = [new pg.Client({ connectionString: fixture.url }), new pg.Client({ connectionString: fixture.url })];
  await Promise.all([holder.connect(), observer.connect()]);
  await holder.query('begin');
  await holder.query('lock table link_index in exclusive mode');
  return {
    fixture,
    holder,
    observer,
    waiting: async () => {
      const { rows } = await observer.query<{ waiting: number }>(
        `select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      );
      return rows[0]?.waiting ?? 0;
    },
    release: async () => void (await holder.query('commit')),
  };
}

async function indexedRows(fixture: LedgerFixture): Promise<number> {
  const { rows } = await fixture.connection.pool.query<{ count: number }>('select count(*)::int as count from link_index');
  return rows[0]?.count ?? -1;
}

describe('the link index rebuild', () => {
  let locked: LockedIndex | undefined;
  let fixture: LedgerFixture | undefined;

  afterEach(async () => {
    await locked?.holder.end();
    await locked?.observer.end();
    await (locked?.fixture ?? fixture)?.dispose();
    [locked, fixture] = [undefined, undefined];
  });

  it('keeps writesInFlight writes going while the scan reads on, and holds the next batch until one ends', async () => {
    locked = await lockedIndex();
    const rebuild = await startLinkIndexRebuild(locked.fixture.connection.pool, ['crm'], { writesInFlight: 2 });

    await rebuild.add(batch('a'));
    await rebuild.add(batch('b'));
    let thirdStarted = false;
    const third = rebuild.add(batch('c')).then(() => {
      thirdStarted = true;
    });
    const current = locked;
    await waitFor('two index writes waiting on the lock', async () => (await current.waiting()) === 2);
    expect(thirdStarted).toBe(false);

    await locked.release();
    await third;
    expect(await rebuild.finish()).toEqual({ removed: 0 });
    expect(await indexedRows(locked.fixture)).toBe(9);
  });

  it('leaves the index analyzed, so the planner looks emails up through their index from the first reconcile on', async () => {
    fixture = await createLedgerFixture();
    const { pool } = fixture.connection;
    const analyzed = async () => (await pool.query<{ at: Date | null }>(`select last_analyze as at from pg_stat_user_tables where relname = 'link_index'`)).rows[0]?.at ?? null;
    expect(await analyzed()).toBe(null);
    const rebuild = await startLinkIndexRebuild(pool, ['crm']);
    await rebuild.add(batch('a', 50));

    await rebuild.finish();

    expect(await analyzed()).toBeInstanceOf(Date);
  });

  it('reports a failed write, with its code, to the next add and at finish', async () => {
    locked = await lockedIndex();
    const rebuild = await startLinkIndexRebuild(locked.fixture.connection.pool, ['crm'], { writesInFlight: 2 });
    await rebuild.add(batch('a'));
    const current = locked;
    await waitFor('the write waiting on the lock', async () => (await current.waiting()) === 1);
    await locked.observer.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
    await locked.release();

    await expect(rebuild.finish()).rejects.toMatchObject({ code: '57P01' });
    await expect(rebuild.add(batch('b'))).rejects.toMatchObject({ code: '57P01' });
    expect(await indexedRows(locked.fixture)).toBe(0);
  });

  it('refuses a writesInFlight under 1 or not whole with CONFIG, before it touches the database', async () => {
    fixture = await createLedgerFixture();
    const pool = new pg.Pool({ connectionString: fixture.url });
    try {
      for (const writesInFlight of [0, -1, 1.5, Number.NaN]) {
        await expect(startLinkIndexRebuild(pool, ['crm'], { writesInFlight })).rejects.toMatchObject({ code: codes.CONFIG });
      }
      // No statement was sent: the pool never opened a connection.
      expect(pool.totalCount).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('drops the rows of records the scan did not see, but not those changed after it began', async () => {
    fixture = await createLedgerFixture();
    const { pool } = fixture.connection;
    const before = await startLinkIndexRebuild(pool, ['crm']);
    await before.add(batch('kept', 2));
    await before.add(batch('gone', 2));
    await before.finish();
    const rebuild = await startLinkIndexRebuild(pool, ['crm']);
    await rebuild.add(batch('kept', 2));
    // A reconcile indexes a record after the scan began, which the scan did not see either.
    await createLinkIndex(pool).refresh(batch('newer', 1), []);

    const seen = new Set(batch('kept', 2).map((record) => record.id));
    expect(await rebuild.finish((key) => key.platform === 'crm' && seen.has(key.id))).toEqual({ removed: 2 });

    const { rows } = await pool.query<{ record_id: string }>('select record_id from link_index order by record_id');
    expect(rows.map((row) => row.record_id)).toEqual(['kept-0', 'kept-1', 'newer-0']);
  });

  it('drops unseen rows across pages of keys, and keeps every seen one', async () => {
    fixture = await createLedgerFixture();
    const { pool } = fixture.connection;
    const records = batch('many', 2 * UNSEEN_PAGE_ROWS + UNSEEN_PAGE_ROWS / 2);
    const before = await startLinkIndexRebuild(pool, ['crm']);
    await before.add(records);
    await before.finish();
    const rebuild = await startLinkIndexRebuild(pool, ['crm']);

    // Every third record seen: unseen keys on every page of the look-up.
    const removed = await rebuild.finish((key) => Number(key.id.slice('many-'.length)) % 3 === 0);

    expect(removed).toEqual({ removed: records.length - Math.ceil(records.length / 3) });
    expect(await indexedRows(fixture)).toBe(Math.ceil(records.length / 3));
  });
});
