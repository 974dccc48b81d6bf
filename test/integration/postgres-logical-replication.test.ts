import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import type { Pgoutput } from 'pg-logical-replication';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { uniqueName } from '../support/names.ts';
import { createTemporaryDatabase, withClient } from '../support/services.ts';
import type { TemporaryDatabase } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

interface Received {
  lsn: string;
  message: Pgoutput.Message;
}

/** Subscribes to `slot` with manual acknowledgement and collects the messages it delivers. */
function subscribe(url: string, slot: string, publication: string) {
  const received: Received[] = [];
  const service = new LogicalReplicationService({ connectionString: url }, { acknowledge: { auto: false, timeoutSeconds: 0 } });
  service.on('data', (lsn: string, message: Pgoutput.Message) => {
    received.push({ lsn, message });
  });
  const stopped = service.subscribe(new PgoutputPlugin({ protoVersion: 1, publicationNames: [publication] }), slot);
  const inserts = () => received.flatMap(({ message }) => (message.tag === 'insert' ? [message.new as Record<string, unknown>] : []));
  // A transaction counts as processed once its commit is: that end LSN is what gets acknowledged.
  const commits = () => received.flatMap(({ message }) => (message.tag === 'commit' && message.commitEndLsn ? [message.commitEndLsn] : []));
  return { service, inserts, commits, stopped };
}

describe('Postgres logical replication (pgoutput) on the local server', () => {
  let database: TemporaryDatabase;

  beforeEach(async () => {
    database = await createTemporaryDatabase('replication');
  });

  afterEach(async () => {
    await database.drop();
  });

  it('delivers an inserted row, and an acknowledged LSN is not delivered again', async () => {
    const slot = uniqueName('slot');
    const publication = uniqueName('pub');
    await withClient(database.url, async (client) => {
      await client.query('create table users (id text primary key, email text not null)');
      await client.query(`create publication ${publication} for table users`);
      await client.query("select pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
    });

    const first = subscribe(database.url, slot, publication);
    await withClient(database.url, (client) => client.query("insert into users values ('bm_1', 'one@example.com')"));
    const [commitLsn] = await waitFor('the first commit', () => (first.commits().length > 0 ? first.commits() : undefined));
    expect(first.inserts()).toEqual([{ id: 'bm_1', email: 'one@example.com' }]);
    expect(await first.service.acknowledge(commitLsn ?? '')).toBe(true);
    await waitFor('the slot to record the acknowledgement', () =>
      withClient(database.url, async (client) => {
        const { rows } = await client.query<{ caught_up: boolean }>(
          'select confirmed_flush_lsn >= $2::pg_lsn as caught_up from pg_replication_slots where slot_name = $1',
          [slot, commitLsn],
        );
        return rows[0]?.caught_up === true;
      }),
    );
    await first.service.stop();
    await first.stopped;

    await withClient(database.url, (client) => client.query("insert into users values ('bm_2', 'two@example.com')"));
    const second = subscribe(database.url, slot, publication);
    try {
      await waitFor('the second commit', () => second.commits().length > 0);
      expect(second.inserts()).toEqual([{ id: 'bm_2', email: 'two@example.com' }]);
    } finally {
      await second.service.stop();
      await second.stopped;
    }
  });
});
