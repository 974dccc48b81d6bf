import { MongoServerError } from 'mongodb';
import type { Collection } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCrmAdapter } from '../../../src/platforms/crm/crm-adapter.ts';
import { openMongo } from '../../../src/platforms/mongo-connection.ts';
import type { MongoConnection } from '../../../src/platforms/mongo-connection.ts';
import { parsePosition, positionOptions } from '../../../src/watchers/mongo-position.ts';
import { mongoWatcher } from '../../../src/watchers/mongo-watcher.ts';
import type { MongoSource } from '../../../src/watchers/mongo-watcher.ts';
import { uniqueName } from '../../support/names.ts';
import { insertCrmUser } from '../../support/platform-seeders.ts';
import { startPrivateMongo } from '../../support/private-mongo.ts';
import type { PrivateMongo } from '../../support/private-mongo.ts';
import { waitFor } from '../../support/wait-for.ts';
import { createWatcherFixture } from '../../support/watcher-fixture.ts';
import type { RunningWatcher, WatcherFixture } from '../../support/watcher-fixture.ts';

const CHANGE_STREAM_HISTORY_LOST = 286;
/** The private server keeps its oplog entries this long, so the test can outlive them. */
const OPLOG_WINDOW_SECONDS = 1;

/** True once the server refuses to resume from `saved` because the history after it is gone. */
async function historyLost(users: Collection, saved: string): Promise<boolean> {
  const stream = users.watch([], positionOptions(parsePosition(saved)));
  try {
    await stream.tryNext();
    return false;
  } catch (error) {
    if (error instanceof MongoServerError && error.code === CHANGE_STREAM_HISTORY_LOST) return true;
    throw error;
  } finally {
    await stream.close();
  }
}

describe('the MongoDB change-stream watcher, resumed after its history was trimmed', () => {
  let server: PrivateMongo;
  let mongo: MongoConnection;
  let fixture: WatcherFixture;
  let running: RunningWatcher | undefined;

  beforeEach(async () => {
    server = await startPrivateMongo(OPLOG_WINDOW_SECONDS);
    const database = uniqueName('trackmaster');
    mongo = await openMongo('crm', { url: server.url(database), database });
    fixture = await createWatcherFixture();
  });

  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await fixture.dispose();
    await mongo.close();
    await server.dispose();
  });

  function start(): RunningWatcher {
    const source: MongoSource = { name: 'crm.User', platform: 'crm', kind: 'user', collection: mongo.db.collection('User') };
    const lease = fixture.lease(source.name);
    const sink = fixture.sink({ crm: createCrmAdapter(mongo.db) });
    return fixture.run(mongoWatcher({ source, lease, checkpoints: fixture.checkpoints, sink, logger: fixture.logger, idlePollMs: 20 }), source.name, lease);
  }

  it('is refused with ChangeStreamHistoryLost, backfills the collection, and then follows the new stream', async () => {
    const earlier = await insertCrmUser(mongo.db);
    running = start();
    await fixture.waitForLog('watching', { source: 'crm.User', from: 'start' });
    await running.stop();
    const saved = await fixture.checkpoints.load('crm.User');
    if (saved === null) throw new Error('the watcher saved no checkpoint');
    const missed = await insertCrmUser(mongo.db);
    await waitFor('the server to trim the history after the checkpoint', () => historyLost(mongo.db.collection('User'), saved), { timeoutMs: 15_000 });

    running = start();
    await fixture.waitForLog('cannot resume the change stream', { source: 'crm.User' });
    const backfill = await fixture.waitForLog('backfill enqueued', { platform: 'crm', source: 'crm.User' });
    expect(backfill.enqueued).toBe(2);
    await fixture.waitForLog('watching', { source: 'crm.User', from: 'backfill' });
    const jobs = await fixture.jobs();
    expect(jobs.map((job) => job.id).sort()).toEqual([earlier, missed].sort());
    expect(await fixture.checkpoints.load('crm.User')).not.toBe(saved);

    const later = await insertCrmUser(mongo.db);
    await waitFor('the job of a write after the fresh start', async () => (await fixture.jobs()).find((job) => job.id === later));
  });
});
