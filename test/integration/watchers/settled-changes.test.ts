import type { Job } from 'bullmq';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { Redis } from 'ioredis';
import { ObjectId } from 'mongodb';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordKey } from '../../../src/ids/index.ts';
import { createLinkIndex } from '../../../src/link-index/link-index.ts';
import type { LinkLookups } from '../../../src/link-index/link-index.ts';
import { createQueues } from '../../../src/queues/queues.ts';
import type { Queues } from '../../../src/queues/queues.ts';
import { changeTrigger, createChangeSink } from '../../../src/watchers/change-sink.ts';
import { capturingLogger } from '../../support/log-capture.ts';
import { uniqueName } from '../../support/names.ts';
import { createPipelineFixture } from '../../support/pipeline-fixture.ts';
import type { PipelineFixture } from '../../support/pipeline-fixture.ts';
import { insertBookmasterUser, insertCrmUser, insertOmnistackUser, uniqueEmail } from '../../support/platform-seeders.ts';
import { testConfig } from '../../support/services.ts';

/*
 * A watcher's changes whose records read as settled (the echoes of idsync's own writes) enqueue no
 * reconcile: the sink reads the batch's records and their index rows first. Real stores, real
 * index, a queue of the test's own that no worker takes jobs from.
 */

describe("the change sink's settled check", () => {
  let fixture: PipelineFixture;
  let redis: Redis;
  let queues: Queues;
  let captured: ReturnType<typeof capturingLogger>;

  beforeEach(async () => {
    fixture = await createPipelineFixture();
    redis = new Redis(testConfig().redis.url, { maxRetriesPerRequest: null });
    queues = createQueues({ connection: redis, prefix: uniqueName('settled-sink'), reconcileDebounceMs: 0 });
    captured = capturingLogger();
    settledSources = [];
  });

  afterEach(async () => {
    await queues.byName.reconcile.obliterate({ force: true });
    await queues.byName.propagate.obliterate({ force: true });
    await queues.close();
    await redis.quit();
    await fixture.dispose();
  });

  let settledSources: string[];
  const sinkOver = (links: LinkLookups, settledCheckTimeoutMs?: number) =>
    createChangeSink({ queues, adapters: fixture.adapters, links, logger: captured.logger, settledCheckTimeoutMs, onSettledChange: (source) => settledSources.push(source) });
  const changes = (keys: readonly RecordKey[]) => keys.map((key) => ({ key, trigger: changeTrigger(`${key.platform}.users`, '1') }));
  const enqueued = async (queue: 'reconcile' | 'propagate') => {
    const jobs: Job[] = await queues.byName[queue].getJobs(['waiting', 'delayed', 'prioritized']);
    return jobs.map((job) => (queue === 'reconcile' ? `${job.data.platform}:${job.data.id}` : `crm:${job.data.crmId}`)).sort();
  };

  async function linkedPerson(): Promise<{ crm: RecordKey; omnistack: RecordKey; bookmaster: RecordKey }> {
    const email = uniqueEmail('echo');
    const crm = await insertCrmUser(fixture.crm, { email });
    const omnistack = await insertOmnistackUser(fixture.omnistack, { email });
    const bookmaster = await insertBookmasterUser(fixture.bookmaster, { email });
    expect(await fixture.reconcile({ platform: 'crm', id: crm })).toMatchObject({ writes: 3 });
    return { crm: { platform: 'crm', id: crm }, omnistack: { platform: 'omnistack', id: omnistack }, bookmaster: { platform: 'bookmaster', id: bookmaster } };
  }

  it("enqueues nothing for a linked person's echoes: no reconcile, no profile job", async () => {
    const person = await linkedPerson();

    const count = await sinkOver(fixture.ledger.links).reconcile(changes([person.crm, person.omnistack, person.bookmaster]));

    expect(count).toBe(0);
    expect(await enqueued('reconcile')).toEqual([]);
    expect(await enqueued('propagate')).toEqual([]);
    expect(captured.logs.find((entry) => entry.msg === 'changes read as settled; not enqueued')).toMatchObject({ settled: 3, of: 3 });
    expect(settledSources.sort()).toEqual(['bookmaster.users', 'crm.users', 'omnistack.users']);
  });

  it('enqueues what does not read as settled: a link changed, a record the index never saw, a record gone', async () => {
    const person = await linkedPerson();
    await fixture.bookmaster.query(`update users set external_ids = '{}'::jsonb where id = $1`, [person.bookmaster.id]);
    const unseen: RecordKey = { platform: 'omnistack', id: await insertOmnistackUser(fixture.omnistack, { email: uniqueEmail('unseen') }) };
    await fixture.crm.collection('User').deleteOne({ _id: new ObjectId(person.crm.id) });

    const count = await sinkOver(fixture.ledger.links).reconcile(changes([person.crm, person.omnistack, person.bookmaster, unseen]));

    expect(count).toBe(3);
    expect(await enqueued('reconcile')).toEqual([`bookmaster:${person.bookmaster.id}`, `crm:${person.crm.id}`, `omnistack:${unseen.id}`].sort());
    expect(settledSources).toEqual(['omnistack.users']);
  });

  it("enqueues a CRM user's reconcile when its name changed (the reconcile propagates the profile)", async () => {
    const person = await linkedPerson();
    await fixture.crm.collection('User').updateOne({ _id: new ObjectId(person.crm.id) }, { $set: { name: 'A New Name' } });
    const unseen: RecordKey = { platform: 'crm', id: await insertCrmUser(fixture.crm, { email: uniqueEmail('unseen') }) };

    const count = await sinkOver(fixture.ledger.links).reconcile(changes([person.crm, unseen]));

    expect(count).toBe(2);
    expect(await enqueued('reconcile')).toEqual([`crm:${person.crm.id}`, `crm:${unseen.id}`].sort());
    expect(await enqueued('propagate')).toEqual([]);
  });

  it('enqueues every change when the index cannot be asked, and says so', async () => {
    const person = await linkedPerson();
    const closedPort = new pg.Pool({ host: '127.0.0.1', port: 1, connectionTimeoutMillis: 2_000 });
    try {
      const count = await sinkOver(createLinkIndex(closedPort)).reconcile(changes([person.crm, person.omnistack]));

      expect(count).toBe(2);
      expect(await enqueued('reconcile')).toEqual([`crm:${person.crm.id}`, `omnistack:${person.omnistack.id}`]);
      expect(captured.logs.find((entry) => entry.msg === 'settled check failed; enqueueing every change')).toMatchObject({ changes: 2, err: { code: 'ECONNREFUSED' } });
    } finally {
      await closedPort.end();
    }
  });

  it('enqueues every change when the index does not answer in time', async () => {
    const person = await linkedPerson();
    // A server that takes connections and never answers: the pool would wait a minute to give up.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as AddressInfo;
    const unanswered = new pg.Pool({ host: '127.0.0.1', port, connectionTimeoutMillis: 60_000 });
    try {
      const count = await sinkOver(createLinkIndex(unanswered), 200).reconcile(changes([person.crm]));

      expect(count).toBe(1);
      expect(await enqueued('reconcile')).toEqual([`crm:${person.crm.id}`]);
      expect(captured.logs.find((entry) => entry.msg === 'settled check failed; enqueueing every change')).toMatchObject({ changes: 1 });
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
      await unanswered.end().catch(() => undefined);
    }
  });
});
