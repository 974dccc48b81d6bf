import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureBookmasterDevSchema } from '../../../src/platforms/bookmaster/dev-schema.ts';
import { createBookmasterAdapter } from '../../../src/platforms/bookmaster/bookmaster-adapter.ts';
import { openPostgres } from '../../../src/platforms/postgres-pool.ts';
import type { PostgresConnection } from '../../../src/platforms/postgres-pool.ts';
import { postgresWatcher } from '../../../src/watchers/pg-watcher.ts';
import { uniqueName } from '../../support/names.ts';
import { insertBookmasterUser } from '../../support/platform-seeders.ts';
import { startPrivatePostgres } from '../../support/private-postgres.ts';
import type { PrivatePostgres } from '../../support/private-postgres.ts';
import { waitFor } from '../../support/wait-for.ts';
import { createWatcherFixture } from '../../support/watcher-fixture.ts';
import type { RunningWatcher, WatcherFixture } from '../../support/watcher-fixture.ts';

/*
 * A server that caps the WAL a slot may hold (max_slot_wal_keep_size, which scripts/services sets
 * and an operator should) gives up a slot that falls too far behind: it can never stream again.
 * The watcher makes the slot anew and backfills the table, so the changes the old slot lost are
 * still reconciled. A server of the test's own, so the cap and the checkpoints touch nothing else.
 */

describe('the Postgres watcher, when the server gave up its slot', () => {
  let server: PrivatePostgres;
  let connection: PostgresConnection;
  let fixture: WatcherFixture;
  let running: RunningWatcher | undefined;
  const slot = uniqueName('slot');

  beforeEach(async () => {
    server = await startPrivatePostgres({ logical: true, settings: { max_slot_wal_keep_size: '1MB' } });
    connection = await openPostgres('bookmaster', server.url);
    await ensureBookmasterDevSchema(connection.pool);
    fixture = await createWatcherFixture();
  });

  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await fixture.dispose();
    await connection.close();
    await server.dispose();
  });

  function start(): RunningWatcher {
    const source = {
      name: 'bookmaster.users',
      platform: 'bookmaster' as const,
      table: { schema: 'public', name: 'users' },
      url: server.url,
      pool: connection.pool,
      names: { slot, publication: slot },
    };
    const sink = fixture.sink({ bookmaster: createBookmasterAdapter(connection.pool) });
    const work = postgresWatcher({ source, sink, logger: fixture.logger, keepaliveIntervalMs: 200 });
    return fixture.run(work, source.name, fixture.lease(source.name));
  }

  const walStatus = async () =>
    (await connection.pool.query<{ wal_status: string; active: boolean }>('select wal_status, active from pg_replication_slots where slot_name = $1', [slot])).rows[0];
  const jobOf = (id: string) => async () => (await fixture.jobs()).find((job) => job.platform === 'bookmaster' && job.id === id);

  it('makes the slot anew, backfills the table with the change the old slot lost, and streams again', async () => {
    running = start();
    await fixture.waitForLog('watching', { source: 'bookmaster.users', slot });
    await running.stop();
    running = undefined;
    await waitFor('the slot to be released', async () => (await walStatus())?.active === false);

    const lost = await insertBookmasterUser(connection.pool);
    // Each round writes, moves to a new WAL segment and checkpoints: past the 1 MB cap the
    // checkpoint gives the slot up.
    await waitFor('the server to give the slot up', async () => {
      await connection.pool.query('create temporary table if not exists filler (n int); insert into filler select generate_series(1, 1000)');
      await connection.pool.query('select pg_switch_wal()');
      await connection.pool.query('checkpoint');
      return (await walStatus())?.wal_status === 'lost';
    });

    running = start();
    const job = await waitFor('the backfill job of the change the slot lost', jobOf(lost));
    expect(job.trigger).toMatchObject({ type: 'change-event', source: 'bookmaster.users' });
    expect(fixture.logs.find((entry) => entry.msg === 'replication slot lost WAL it needed; making it anew and backfilling its table')).toMatchObject({ level: 50, slot });
    await fixture.waitForLog('watching', { source: 'bookmaster.users', slot });
    expect((await walStatus())?.wal_status).not.toBe('lost');

    const after = await insertBookmasterUser(connection.pool);
    await waitFor('the job of a change after the new slot', jobOf(after));
  });
});
