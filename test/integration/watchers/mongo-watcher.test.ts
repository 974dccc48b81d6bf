import { ObjectId } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCrmAdapter } from '../../../src/platforms/crm/crm-adapter.ts';
import { createOmnistackAdapter } from '../../../src/platforms/omnistack/omnistack-adapter.ts';
import type { Adapters } from '../../../src/platforms/platform-adapter.ts';
import type { ChangeSink } from '../../../src/watchers/change-sink.ts';
import { checkpointKey } from '../../../src/watchers/checkpoint-store.ts';
import { mongoWatcher } from '../../../src/watchers/mongo-watcher.ts';
import type { MongoSource } from '../../../src/watchers/mongo-watcher.ts';
import { openTestMongo } from '../../support/platform-fixtures.ts';
import type { TestMongo } from '../../support/platform-fixtures.ts';
import { insertCrmUser, insertOmnistackUser, newObjectId } from '../../support/platform-seeders.ts';
import { waitFor } from '../../support/wait-for.ts';
import { createWatcherFixture } from '../../support/watcher-fixture.ts';
import type { EnqueuedJob, RunningWatcher, WatcherFixture } from '../../support/watcher-fixture.ts';

describe('the MongoDB change-stream watcher', () => {
  let fixture: WatcherFixture;
  let crm: TestMongo;
  let omnistack: TestMongo;
  let running: RunningWatcher | undefined;

  beforeEach(async () => {
    fixture = await createWatcherFixture();
    crm = await openTestMongo('trackmaster');
    omnistack = await openTestMongo('omnistack');
  });

  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await fixture.dispose();
    await crm.drop();
    await omnistack.drop();
  });

  const userSource = (): MongoSource => ({ name: 'crm.User', platform: 'crm', kind: 'user', collection: crm.db.collection('User') });
  const adapters = (): Adapters => ({ crm: createCrmAdapter(crm.db), omnistack: createOmnistackAdapter(omnistack.db) });

  function start(source: MongoSource = userSource(), sink: ChangeSink = fixture.sink(adapters())): RunningWatcher {
    const lease = fixture.lease(source.name);
    const work = mongoWatcher({ source, lease, checkpoints: fixture.checkpoints, sink, logger: fixture.logger, idlePollMs: 20 });
    return fixture.run(work, source.name, lease);
  }

  const jobFor = (platform: string, id: string) => async (): Promise<EnqueuedJob | undefined> =>
    (await fixture.jobs()).find((job) => job.platform === platform && job.id === id);
  const checkpoint = () => fixture.checkpoints.load('crm.User');

  it('saves a position as soon as it starts, then enqueues an insert and checkpoints its token after', async () => {
    running = start();
    await fixture.waitForLog('watching', { source: 'crm.User', from: 'start' });
    expect(await checkpoint()).toEqual(expect.any(String));

    const id = await insertCrmUser(crm.db);
    const job = await waitFor('the reconcile job', jobFor('crm', id));
    expect(job).toMatchObject({ name: 'user', trigger: { type: 'change-event', source: 'crm.User', position: expect.stringContaining('_data') } });
    await waitFor('the checkpoint to reach the event', async () => (await checkpoint()) === `{"resumeAfter":${job.trigger.position}}`);
  });

  it('resumes from its checkpoint: a write made while it was down, before any event, is enqueued', async () => {
    running = start();
    await fixture.waitForLog('watching', { source: 'crm.User', from: 'start' });
    await running.stop();
    const id = await insertCrmUser(crm.db);

    running = start();
    await fixture.waitForLog('watching', { source: 'crm.User', from: 'checkpoint' });
    await waitFor('the job of the write made while stopped', jobFor('crm', id));
  });

  it('leaves the checkpoint where it was when the enqueue fails, and delivers the event again', async () => {
    const real = fixture.sink(adapters());
    const seenAtEachCall: Array<string | null> = [];
    let refusals = 1;
    const sink: ChangeSink = {
      ...real,
      reconcile: async (changes) => {
        seenAtEachCall.push(await checkpoint());
        if (changes.length > 0 && refusals-- > 0) throw new Error('enqueue refused');
        return real.reconcile(changes);
      },
    };
    running = start(userSource(), sink);
    await fixture.waitForLog('watching', { source: 'crm.User' });
    const before = await checkpoint();
    const id = await insertCrmUser(crm.db);

    await fixture.waitForLog('watcher failed; retrying');
    const job = await waitFor('the job, after the retry', jobFor('crm', id));
    // The retry started from the checkpoint the failure left untouched, and only then moved on.
    expect(seenAtEachCall.slice(0, 2)).toEqual([before, before]);
    await waitFor('the checkpoint to reach the event', async () => (await checkpoint()) === `{"resumeAfter":${job.trigger.position}}`);
  });

  it('says so, backfills the collection and starts afresh when the server refuses its checkpoint', async () => {
    const existing = [await insertCrmUser(crm.db), await insertCrmUser(crm.db), await insertCrmUser(crm.db)];
    await fixture.redis.set(checkpointKey(fixture.prefix, 'crm.User'), '{"resumeAfter":{"_data":"not-a-resume-token"}}');
    running = start();

    await fixture.waitForLog('cannot resume the change stream', { source: 'crm.User' });
    await fixture.waitForLog('watching', { source: 'crm.User', from: 'backfill' });
    for (const id of existing) await waitFor(`the backfill job of ${id}`, jobFor('crm', id));
    // The one backfill, asked by a watcher that missed changes: bulk-lane reconciles, and a profile job per CRM user.
    const bulk = await fixture.queues.byName.reconcile.getJobs(['prioritized']);
    expect(bulk.map((job) => String(job.data.id)).sort()).toEqual([...existing].sort());
    expect((await fixture.profileJobs()).map((job) => job.crmId).sort()).toEqual([...existing].sort());
    expect(await checkpoint()).not.toContain('not-a-resume-token');
    const later = await insertCrmUser(crm.db);
    await waitFor('a job for a write after the fresh start', jobFor('crm', later));
  });

  it('enqueues the records that claimed a deleted record', async () => {
    const crmId = await insertCrmUser(crm.db);
    const claimer = await insertOmnistackUser(omnistack.db, { externalIds: [`crm_${crmId}`] });
    const bystander = await insertOmnistackUser(omnistack.db, { externalIds: [`crm_${newObjectId()}`] });
    await fixture.indexStores(adapters());
    running = start();
    await fixture.waitForLog('watching', { source: 'crm.User' });

    await crm.db.collection('User').deleteOne({ _id: new ObjectId(crmId) });
    const job = await waitFor('the claimer’s job', jobFor('omnistack', claimer));
    expect(job.trigger).toMatchObject({ type: 'change-event', source: 'crm.User' });
    expect(await jobFor('omnistack', bystander)()).toBeUndefined();
    expect(await jobFor('crm', crmId)()).toBeUndefined();
    // A deleted CRM user has no profile left to propagate.
    expect(await fixture.profileJobs()).toEqual([]);
  });

  it('skips an event whose key is not an ObjectId, logs it without the value, and moves on', async () => {
    running = start();
    await fixture.waitForLog('watching', { source: 'crm.User' });
    await crm.db.collection<{ _id: unknown }>('User').insertOne({ _id: 'someone@example.com' });
    const valid = await insertCrmUser(crm.db);

    await waitFor('the valid record’s job', jobFor('crm', valid));
    const warning = await fixture.waitForLog('change event names a malformed id; skipped');
    expect(warning).toMatchObject({ source: 'crm.User', reason: '_id is not an ObjectId (string)' });
    expect(JSON.stringify(fixture.logs)).not.toContain('someone@example.com');
    expect((await fixture.jobs()).map((job) => job.id)).toEqual([valid]);
  });

  it('enqueues exactly the updated record for an update, and no profile job (its reconcile propagates the profile)', async () => {
    const updated = await insertCrmUser(crm.db);
    const other = await insertCrmUser(crm.db);
    running = start();
    await fixture.waitForLog('watching', { source: 'crm.User' });

    await crm.db.collection('User').updateOne({ _id: new ObjectId(updated) }, { $set: { name: 'Ada' } });
    const job = await waitFor('the updated record’s job', jobFor('crm', updated));
    expect(job.trigger).toMatchObject({ type: 'change-event', source: 'crm.User', position: expect.stringContaining('_data') });
    // Once the checkpoint has passed the update, everything it caused is enqueued: that record alone.
    await waitFor('the checkpoint to reach the update', async () => (await checkpoint()) === `{"resumeAfter":${job.trigger.position}}`);
    expect((await fixture.jobs()).map((entry) => entry.id)).toEqual([updated]);
    expect(await jobFor('crm', other)()).toBeUndefined();
    expect(fixture.logs.filter((entry) => entry.msg === 'backfill enqueued')).toEqual([]);
    expect(await fixture.profileJobs()).toEqual([]);
  });

  it('enqueues no profile job for a change in another platform’s users', async () => {
    const source: MongoSource = { name: 'omnistack.users', platform: 'omnistack', kind: 'user', collection: omnistack.db.collection('users') };
    running = start(source);
    await fixture.waitForLog('watching', { source: 'omnistack.users' });
    const id = await insertOmnistackUser(omnistack.db);

    await waitFor('the OmniStack user’s reconcile job', jobFor('omnistack', id));
    expect(await fixture.profileJobs()).toEqual([]);
  });

  it('enqueues a client reconcile for a change in a client collection, and checkpoints it', async () => {
    const source: MongoSource = { name: 'crm.Client', platform: 'crm', kind: 'client', collection: crm.db.collection('Client') };
    running = start(source, fixture.sink({}, 'client'));
    await fixture.waitForLog('watching', { source: 'crm.Client' });
    const { insertedId } = await crm.db.collection('Client').insertOne({ name: 'Acme' });

    const job = await waitFor('the client job', jobFor('crm', insertedId.toHexString()));
    expect(job).toMatchObject({ name: 'client', trigger: { type: 'change-event', source: 'crm.Client' } });
    await waitFor('the client checkpoint to reach the event', async () => (await fixture.checkpoints.load('crm.Client')) === `{"resumeAfter":${job.trigger.position}}`);
  });
});
