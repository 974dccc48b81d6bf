import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureBookmasterDevSchema } from '../../../src/platforms/bookmaster/dev-schema.ts';
import { openPostgres } from '../../../src/platforms/postgres-pool.ts';
import type { PostgresConnection } from '../../../src/platforms/postgres-pool.ts';
import { createQueues } from '../../../src/queues/queues.ts';
import type { Queues } from '../../../src/queues/queues.ts';
import { createChangeSink } from '../../../src/watchers/change-sink.ts';
import type { ChangeSink } from '../../../src/watchers/change-sink.ts';
import { parseLsn } from '../../../src/watchers/pg-lsn.ts';
import { postgresWatcher } from '../../../src/watchers/pg-watcher.ts';
import { uniqueName } from '../../support/names.ts';
import { insertBookmasterUser } from '../../support/platform-seeders.ts';
import { startPrivateRedis } from '../../support/private-redis.ts';
import type { PrivateRedis } from '../../support/private-redis.ts';
import { createTemporaryDatabase } from '../../support/services.ts';
import type { TemporaryDatabase } from '../../support/services.ts';
import { waitFor } from '../../support/wait-for.ts';
import { createWatcherFixture } from '../../support/watcher-fixture.ts';
import type { RunningWatcher, WatcherFixture } from '../../support/watcher-fixture.ts';

const ROWS = 100;
/** The replication connection's `wal_sender_timeout`: the server ends it after this long without a word from the feed. */
const SENDER_TIMEOUT_MS = 1_000;

/** How many changes the feed was handed and how many it has enqueued, and the most it held at once. */
interface Flow {
  received: number;
  enqueued: number;
  mostHeld: number;
}

/*
 * A Redis of this test's own holds the feed's enqueues back (CLIENT PAUSE ... WRITE) while rows
 * are written. The lease and the log stay on the shared Redis, so that only the enqueues wait.
 */
describe('the Postgres change feed while Redis holds its writes back', () => {
  let fixture: WatcherFixture;
  let redis: PrivateRedis;
  let client: Redis;
  let control: Redis;
  let queues: Queues;
  let database: TemporaryDatabase;
  let connection: PostgresConnection;
  let slot: string;
  let running: RunningWatcher | undefined;

  beforeEach(async () => {
    fixture = await createWatcherFixture();
    redis = await startPrivateRedis();
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    control = new Redis(redis.url);
    queues = createQueues({ connection: client, prefix: uniqueName('backpressure'), reconcileDebounceMs: 0 });
    database = await createTemporaryDatabase('bookmaster');
    connection = await openPostgres('bookmaster', database.url);
    await ensureBookmasterDevSchema(connection.pool);
    slot = uniqueName('slot');
  });

  afterEach(async () => {
    await control.call('CLIENT', 'UNPAUSE');
    await running?.stop();
    running = undefined;
    await waitFor('the slot to be released', async () => (await walsenderPid()) === null);
    await connection.close();
    await database.drop();
    await queues.close();
    client.disconnect();
    control.disconnect();
    await redis.dispose();
    await fixture.dispose();
  });

  function start(sink: ChangeSink, onChangeEvent: () => void): RunningWatcher {
    const source = {
      name: 'bookmaster.users',
      platform: 'bookmaster' as const,
      table: { schema: 'public', name: 'users' },
      url: `${database.url}?options=${encodeURIComponent(`-c wal_sender_timeout=${SENDER_TIMEOUT_MS}`)}`,
      pool: connection.pool,
      names: { slot, publication: slot },
    };
    const work = postgresWatcher({ source, sink, logger: fixture.logger, keepaliveIntervalMs: 200, onChangeEvent });
    return fixture.run(work, 'bookmaster.users', fixture.lease('bookmaster.users'));
  }

  /** The real sink on the private Redis, counting what the feed was handed and what is enqueued. */
  function countedSink(flow: Flow): ChangeSink {
    const real = createChangeSink({ queues, adapters: {}, links: fixture.links(), logger: fixture.logger });
    return {
      ...real,
      reconcile: async (changes) => {
        const count = await real.reconcile(changes);
        flow.enqueued += changes.length;
        return count;
      },
    };
  }

  const lsn = async (sql: string, values: unknown[] = []): Promise<bigint | null> => {
    const text = (await connection.pool.query<{ lsn: string | null }>(sql, values)).rows[0]?.lsn;
    return text ? parseLsn(text) : null;
  };
  const currentLsn = async () => (await lsn('select pg_current_wal_insert_lsn()::text as lsn')) ?? 0n;
  const confirmedLsn = async () => (await lsn('select confirmed_flush_lsn::text as lsn from pg_replication_slots where slot_name = $1', [slot])) ?? 0n;
  const sentLsn = async () => (await lsn('select sent_lsn::text as lsn from pg_stat_replication where pid = (select active_pid from pg_replication_slots where slot_name = $1)', [slot])) ?? 0n;
  async function walsenderPid(): Promise<number | null> {
    const { rows } = await connection.pool.query<{ pid: number | null }>('select active_pid as pid from pg_replication_slots where slot_name = $1', [slot]);
    return rows[0]?.pid ?? null;
  }
  const serverNow = async () => Number((await connection.pool.query<{ ms: string }>('select extract(epoch from clock_timestamp()) * 1000 as ms')).rows[0]?.ms);
  /** When the walsender `pid` last heard from the feed, in ms. */
  const replyTime = async (pid: number | null): Promise<number> => {
    const { rows } = await connection.pool.query<{ ms: string }>('select extract(epoch from reply_time) * 1000 as ms from pg_stat_replication where pid = $1', [pid]);
    return Number(rows[0]?.ms ?? Number.NaN);
  };
  const enqueuedIds = async () => new Set((await queues.byName.reconcile.getJobs(['waiting', 'prioritized', 'delayed'])).map((job) => String(job.data.id)));

  it('holds one transaction at a time, keeps its connection, and enqueues every change once Redis takes writes again', async () => {
    const flow: Flow = { received: 0, enqueued: 0, mostHeld: 0 };
    running = start(countedSink(flow), () => {
      flow.received += 1;
      flow.mostHeld = Math.max(flow.mostHeld, flow.received - flow.enqueued);
    });
    await fixture.waitForLog('watching', { source: 'bookmaster.users', slot });
    const probe = await insertBookmasterUser(connection.pool);
    await waitFor('the probe row’s job', async () => (await enqueuedIds()).has(probe));
    const walsender = await walsenderPid();

    await control.call('CLIENT', 'PAUSE', '60000', 'WRITE');
    const ids = [await insertBookmasterUser(connection.pool)];
    await waitFor('the feed to be handed the first row', () => flow.received === 2);
    const heldSince = await serverNow();
    const heard = await replyTime(walsender);
    for (let row = 1; row < ROWS; row += 1) ids.push(await insertBookmasterUser(connection.pool));
    const afterRows = await currentLsn();
    await waitFor('the server to have sent every row', async () => (await sentLsn()) >= afterRows);
    // The server ends a connection that is silent for wal_sender_timeout, and this feed reads nothing
    // while its enqueue waits; what is awaited here is that timeout, twice over, on the server's clock.
    await waitFor('twice wal_sender_timeout to pass', async () => (await serverNow()) > heldSince + 2 * SENDER_TIMEOUT_MS);
    expect(await walsenderPid()).toBe(walsender);
    // The feed kept reporting in. (reply_time is written by pg-logical-replication with a clock of
    // its own, so only its change is compared.)
    expect(await replyTime(walsender)).toBeGreaterThan(heard);

    // The first row's transaction waits for Redis, and the feed has been handed nothing after it.
    expect(flow).toEqual({ received: 2, enqueued: 1, mostHeld: 1 });
    const heldConfirmed = await confirmedLsn();

    await control.call('CLIENT', 'UNPAUSE');
    await waitFor('every row’s job', async () => (await enqueuedIds()).size === ROWS + 1, { timeoutMs: 20_000 });
    expect([...(await enqueuedIds())].sort()).toEqual([probe, ...ids].sort());
    expect(flow).toEqual({ received: ROWS + 1, enqueued: ROWS + 1, mostHeld: 1 });
    // The slot stayed before the held transaction's commit (its job's position). It may have passed
    // the row's own insert: a keepalive sent while the walsender waited for the commit record reports
    // the end of what it had read, and a transaction committing after the confirmed position is
    // replayed on a reconnect.
    const first = (await queues.byName.reconcile.getJobs(['waiting', 'prioritized', 'delayed'])).find((job) => job.data.id === ids[0]);
    expect(heldConfirmed).toBeLessThan(parseLsn(String(first?.data.trigger.position)));
    await waitFor('the slot to pass the last row', async () => (await confirmedLsn()) >= afterRows);
    expect(await walsenderPid()).toBe(walsender);
    expect(fixture.logs.filter((entry) => entry.msg === 'watcher failed; retrying')).toEqual([]);
  });
});
