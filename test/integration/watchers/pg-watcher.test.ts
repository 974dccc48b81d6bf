import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureBookmasterDevSchema } from '../../../src/platforms/bookmaster/dev-schema.ts';
import { createBookmasterAdapter } from '../../../src/platforms/bookmaster/bookmaster-adapter.ts';
import { createCrmAdapter } from '../../../src/platforms/crm/crm-adapter.ts';
import { openPostgres } from '../../../src/platforms/postgres-pool.ts';
import type { PostgresConnection } from '../../../src/platforms/postgres-pool.ts';
import type { ChangeSink } from '../../../src/watchers/change-sink.ts';
import { parseLsn } from '../../../src/watchers/pg-lsn.ts';
import { postgresWatcher } from '../../../src/watchers/pg-watcher.ts';
import type { PostgresSource } from '../../../src/watchers/pg-watcher.ts';
import { uniqueName } from '../../support/names.ts';
import { openTestMongo } from '../../support/platform-fixtures.ts';
import type { TestMongo } from '../../support/platform-fixtures.ts';
import { insertBookmasterUser, insertCrmUser } from '../../support/platform-seeders.ts';
import { createTemporaryDatabase, withClient } from '../../support/services.ts';
import type { TemporaryDatabase } from '../../support/services.ts';
import { waitFor } from '../../support/wait-for.ts';
import { createWatcherFixture } from '../../support/watcher-fixture.ts';
import type { EnqueuedJob, RunningWatcher, WatcherFixture } from '../../support/watcher-fixture.ts';

interface SlotState {
  confirmed: bigint;
  active: boolean;
}

describe('the Postgres logical-replication watcher', () => {
  let fixture: WatcherFixture;
  let database: TemporaryDatabase;
  let connection: PostgresConnection;
  let crm: TestMongo;
  let slot: string;
  let running: RunningWatcher | undefined;

  beforeEach(async () => {
    fixture = await createWatcherFixture();
    database = await createTemporaryDatabase('bookmaster');
    connection = await openPostgres('bookmaster', database.url);
    await ensureBookmasterDevSchema(connection.pool);
    crm = await openTestMongo('trackmaster');
    slot = uniqueName('slot');
  });

  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await waitFor('the slot to be released', async () => (await slotState())?.active !== true);
    await connection.close();
    await database.drop();
    await crm.drop();
    await fixture.dispose();
  });

  const source = (): PostgresSource => ({
    name: 'bookmaster.users',
    platform: 'bookmaster',
    table: { schema: 'public', name: 'users' },
    url: database.url,
    pool: connection.pool,
    names: { slot, publication: slot },
  });

  function start(sink: ChangeSink = fixture.sink({ crm: createCrmAdapter(crm.db), bookmaster: createBookmasterAdapter(connection.pool) })): RunningWatcher {
    const lease = fixture.lease('bookmaster.users');
    const work = postgresWatcher({ source: source(), sink, logger: fixture.logger, keepaliveIntervalMs: 200 });
    return fixture.run(work, 'bookmaster.users', lease);
  }

  async function slotState(): Promise<SlotState | undefined> {
    const { rows } = await connection.pool.query<{ confirmed: string; active: boolean }>(
      'select confirmed_flush_lsn::text as confirmed, active from pg_replication_slots where slot_name = $1',
      [slot],
    );
    const row = rows[0];
    return row ? { confirmed: parseLsn(row.confirmed), active: row.active } : undefined;
  }

  const jobFor = (platform: string, id: string) => async (): Promise<EnqueuedJob | undefined> =>
    (await fixture.jobs()).find((job) => job.platform === platform && job.id === id);
  // The insert position: pg_current_wal_lsn() (the write position) may still be before the last commit.
  const currentLsn = async () => parseLsn((await connection.pool.query<{ lsn: string }>('select pg_current_wal_insert_lsn()::text as lsn')).rows[0]?.lsn ?? '');

  it('creates its publication and slot, and acknowledges a commit only once its job is enqueued', async () => {
    const release = Promise.withResolvers<undefined>();
    const real = fixture.sink();
    let handedOver = false;
    const held = async (changes: Parameters<ChangeSink['reconcile']>[0]) => {
      handedOver = changes.length > 0;
      await release.promise;
      return real.reconcile(changes);
    };
    running = start({ ...real, reconcile: held });
    await fixture.waitForLog('watching', { source: 'bookmaster.users', slot });
    expect(fixture.logs.some((entry) => entry.msg === 'publication created')).toBe(true);
    expect(fixture.logs.some((entry) => entry.msg === 'replication slot created')).toBe(true);

    const id = await insertBookmasterUser(connection.pool);
    const afterInsert = await currentLsn();
    // The feed holds the transaction while its enqueue is pending. The server moves on past it
    // (unrelated writes follow, and it sends them as keepalives), yet the slot stays before it.
    await waitFor('the feed to hand the commit to the sink', () => handedOver);
    await connection.pool.query('create table unrelated as select generate_series(1, 1000) as n');
    const beyond = await currentLsn();
    await waitFor('the server to have sent past the unrelated writes', async () => {
      const { rows } = await connection.pool.query<{ sent: string | null }>(
        'select sent_lsn::text as sent from pg_stat_replication where pid = (select active_pid from pg_replication_slots where slot_name = $1)',
        [slot],
      );
      return rows[0]?.sent ? parseLsn(rows[0].sent) >= beyond : false;
    });
    expect((await slotState())?.confirmed).toBeLessThan(afterInsert);
    expect(await jobFor('bookmaster', id)()).toBeUndefined();

    release.resolve(undefined);
    const job = await waitFor('the job', jobFor('bookmaster', id));
    expect(job.trigger).toEqual({ type: 'change-event', source: 'bookmaster.users', position: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/) });
    await waitFor('the slot to pass the commit', async () => ((await slotState())?.confirmed ?? 0n) >= parseLsn(job.trigger.position ?? ''));
  });

  it('replays a transaction whose enqueue failed, and keeps changes made while it was stopped', async () => {
    const real = fixture.sink();
    let refusals = 1;
    running = start({ ...real, reconcile: async (changes) => (refusals-- > 0 ? Promise.reject(new Error('enqueue refused')) : real.reconcile(changes)) });
    await fixture.waitForLog('watching', { source: 'bookmaster.users' });
    const first = await insertBookmasterUser(connection.pool);
    await fixture.waitForLog('watcher failed; retrying');
    await waitFor('the job after the replay', jobFor('bookmaster', first));
    await running.stop();

    const whileStopped = await insertBookmasterUser(connection.pool);
    running = start();
    await waitFor('the job of the row written while stopped', jobFor('bookmaster', whileStopped));
  });

  it('enqueues the records that claimed a deleted row', async () => {
    const id = await insertBookmasterUser(connection.pool);
    const claimer = await insertCrmUser(crm.db, { externalIds: { bookmaster: id } });
    const bystander = await insertCrmUser(crm.db, { externalIds: { bookmaster: 'bm_other1' } });
    await fixture.indexStores({ crm: createCrmAdapter(crm.db), bookmaster: createBookmasterAdapter(connection.pool) });
    running = start();
    await fixture.waitForLog('watching', { source: 'bookmaster.users' });

    await connection.pool.query('delete from users where id = $1', [id]);
    await waitFor('the claimer’s job', jobFor('crm', claimer));
    expect(await jobFor('crm', bystander)()).toBeUndefined();
    expect(await jobFor('bookmaster', id)()).toBeUndefined();
  });

  it('advances the slot past unrelated WAL while nothing relevant is pending, so a quiet database does not pile up WAL', async () => {
    running = start();
    await fixture.waitForLog('watching', { source: 'bookmaster.users' });
    await connection.pool.query('create table unrelated (n integer)');
    await connection.pool.query('insert into unrelated select generate_series(1, 5000)');
    const target = await currentLsn();
    await waitFor('the slot to reach the end of the unrelated writes', async () => ((await slotState())?.confirmed ?? 0n) >= target, { timeoutMs: 5_000 });
    expect(await fixture.jobs()).toEqual([]);
  });

  it('refuses a slot of that name that belongs to another database', async () => {
    const other = await createTemporaryDatabase('other');
    try {
      await withClient(other.url, (client) => client.query("select pg_create_logical_replication_slot($1, 'pgoutput')", [slot]));
      running = start();
      const failure = await fixture.waitForLog('watcher failed; retrying');
      expect(failure.err).toMatchObject({ code: 'IDSYNC_ERR_REPLICATION_SETUP' });
      await running.stop();
      running = undefined;
    } finally {
      await other.drop();
    }
  });

  it('skips a row whose id is malformed, without logging the value, and goes on with the next', async () => {
    await connection.pool.query('alter table users drop constraint users_id_check');
    running = start();
    await fixture.waitForLog('watching', { source: 'bookmaster.users' });
    await connection.pool.query("insert into users (id, email) values ('someone@example.com', 'x@example.com')");
    const valid = await insertBookmasterUser(connection.pool);
    await waitFor('the valid row’s job', jobFor('bookmaster', valid));
    expect(await fixture.waitForLog('change event names a malformed id; skipped')).toMatchObject({ reason: 'bad-format' });
    expect(JSON.stringify(fixture.logs)).not.toContain('someone@example.com');
    expect((await fixture.jobs()).map((job) => job.id)).toEqual([valid]);
  });

  it('watches a table shaped like Supabase’s auth.users the same way (the real one, under its auth server, is watched in test/e2e/supabase-*.test.ts)', async () => {
    await connection.pool.query('create schema auth; create table auth.users (id uuid primary key, email text)');
    const lease = fixture.lease('supabase.auth.users');
    const work = postgresWatcher({
      source: { ...source(), name: 'supabase.auth.users', platform: 'supabase', table: { schema: 'auth', name: 'users' } },
      sink: fixture.sink(),
      logger: fixture.logger,
    });
    running = fixture.run(work, 'supabase.auth.users', lease);
    await fixture.waitForLog('watching', { source: 'supabase.auth.users' });
    const id = '6F9619FF-8B86-D011-B42D-00C04FC964FF';
    await connection.pool.query('insert into auth.users (id, email) values ($1, $2)', [id, 'someone@example.com']);
    const job = await waitFor('the Supabase user’s job', jobFor('supabase', id.toLowerCase()));
    expect(job.trigger).toMatchObject({ type: 'change-event', source: 'supabase.auth.users' });
  });
});
