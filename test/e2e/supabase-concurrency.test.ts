import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { ObjectId } from 'mongodb';
import type { ChangeStream, Db } from 'mongodb';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createQueues } from '../../src/queues/queues.ts';
import type { Queues } from '../../src/queues/queues.ts';
import type { ReconcileJobData } from '../../src/queues/job-payloads.ts';
import { createSupabaseE2e, FOUR_SYSTEMS } from '../support/e2e-supabase.ts';
import type { FourPerson, FourSystem, SupabaseE2e } from '../support/e2e-supabase.ts';
import { testConfig } from '../support/services.ts';
import { describeWithAuthServer } from '../support/supabase.ts';
import { waitFor } from '../support/wait-for.ts';

const RECONCILES = 20;
/** Two workers processes: BullMQ runs 4 reconciles at once in each, so 8 run side by side. */
const WORKER_PROCESSES = 2;
const START_BOUND_MS = 60_000;
const CONVERGE_BOUND_MS = 60_000;

describeWithAuthServer('20 concurrent reconciles of one person across the four stores', () => {
  let e2e: SupabaseE2e;
  let redis: Redis;
  let queues: Queues;

  beforeEach(async () => {
    e2e = await createSupabaseE2e();
    redis = new Redis(testConfig().redis.url, { maxRetriesPerRequest: null });
    queues = createQueues({ connection: redis, prefix: e2e.env.QUEUE_PREFIX });
  }, START_BOUND_MS);

  afterEach(async () => {
    await queues.close();
    redis.disconnect();
    await e2e.dispose();
  });

  it('converge, with each store written once and by one job', async () => {
    const base = e2e.newPerson();
    await e2e.stores.writePeople([base]);
    const person: FourPerson = { ...base, supabase: await e2e.supabase.seedUser({ email: base.email }) };
    const writes = await countRecordWrites(e2e, person);
    const processes = Array.from({ length: WORKER_PROCESSES }, () => e2e.run(['start', '--role', 'workers']));
    await Promise.all(processes.map((process) => process.waitForLog('idsync started', START_BOUND_MS)));

    const startedAt = Date.now();
    await enqueueRace(queues, person);
    await waitForIdle(queues);
    expect(await e2e.linkedIn(person)).toEqual(FOUR_SYSTEMS);
    const jobs = await queues.byName.reconcile.getJobs(['completed']);
    const races = processes.flatMap((process) => process.logs).filter((entry) => entry.msg === 'lost a compare-and-set race; planning again').length;
    console.info(`[measure] ${RECONCILES} reconciles converged in ${Date.now() - startedAt} ms, at most ${mostAtOnce(jobs)} at once, ${races} lost compare-and-set races`);
    expect(await queues.byName.reconcile.getJobCounts('failed')).toEqual({ failed: 0 });
    // They did run side by side.
    expect(mostAtOnce(jobs)).toBeGreaterThanOrEqual(2);

    expect(await writes.counts()).toEqual({ crm: 1, omnistack: 1, supabase: 1, bookmaster: 1 });
    await writes.close();
    const { rows } = await e2e.stores.ledger.query<{ platform: string; record_id: string; jobs: string[] }>(
      `select platform, record_id, array_agg(distinct provenance ->> 'jobId') as jobs
         from sync_writes where field like 'links.%' group by platform, record_id order by platform`,
    );
    expect(rows.map((row) => [row.platform, row.record_id, row.jobs.length])).toEqual(
      ['bookmaster', 'crm', 'omnistack', 'supabase'].map((platform) => [platform, person[platform as FourSystem], 1]),
    );
    expect(await e2e.leaks()).toEqual([]);
  }, START_BOUND_MS + CONVERGE_BOUND_MS * 2);
});

/**
 * Queues#enqueueReconcile deduplicates per record (and lane): 20 calls would make 4 to 8 jobs. These
 * are 20 jobs of the payload it enqueues, 5 from each of the person's records, so 20 reconciles run.
 */
async function enqueueRace(queues: Queues, person: FourPerson): Promise<void> {
  const data = (index: number): ReconcileJobData => {
    const platform = FOUR_SYSTEMS[index % FOUR_SYSTEMS.length] as FourSystem;
    return { platform, id: person[platform], trigger: { type: 'command', via: 'api' } };
  };
  await queues.byName.reconcile.addBulk(Array.from({ length: RECONCILES }, (_, index) => ({ name: 'user', data: data(index), opts: { jobId: `race-${index}` } })));
}

/** Waits for the 20 reconciles (a reconcile that finds the person unsettled propagates the profile in its own job, so its writes count too). */
async function waitForIdle(queues: Queues): Promise<void> {
  await waitFor('every reconcile to finish', async () => (await queues.byName.reconcile.getJobCounts('completed')).completed === RECONCILES, {
    timeoutMs: CONVERGE_BOUND_MS,
  });
}

/** The most jobs that ran at one time, from BullMQ's processedOn and finishedOn. */
function mostAtOnce(jobs: readonly Job[]): number {
  const edges = jobs.flatMap((job) => [
    { at: job.processedOn ?? 0, change: 1 },
    { at: job.finishedOn ?? 0, change: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.change - b.change);
  let running = 0;
  let most = 0;
  for (const edge of edges) {
    running += edge.change;
    most = Math.max(most, running);
  }
  return most;
}

interface RecordWrites {
  /** Writes to each of the person's records since the counter started. */
  counts(): Promise<Record<FourSystem, number>>;
  close(): Promise<void>;
}

/**
 * Counts each write to the person's four records, each the way its store can tell them apart:
 * MongoDB's change events for the document, a trigger on the test's own Bookmaster table, and the
 * auth server's own audit log of admin updates (`user_modified`) for the Supabase user.
 */
async function countRecordWrites(e2e: SupabaseE2e, person: FourPerson): Promise<RecordWrites> {
  const crm = await documentEvents(e2e.stores.crm, 'User', person.crm);
  const omnistack = await documentEvents(e2e.stores.omnistack, 'users', person.omnistack);
  await e2e.stores.bookmaster.query(`
    create table test_user_writes (id text not null);
    create function test_count_user_write() returns trigger language plpgsql as $$
      begin insert into test_user_writes (id) values (new.id); return new; end $$;
    create trigger test_count_user_writes after update on users for each row execute function test_count_user_write();`);
  const supabaseModified = async () =>
    (
      await e2e.supabase.pool.query<{ n: number }>(
        "select count(*)::int as n from auth.audit_log_entries where payload ->> 'action' = 'user_modified' and payload -> 'traits' ->> 'user_id' = $1",
        [person.supabase],
      )
    ).rows[0]?.n ?? 0;
  const supabaseBefore = await supabaseModified();
  return {
    counts: async () => ({
      crm: await crm.count(),
      omnistack: await omnistack.count(),
      supabase: (await supabaseModified()) - supabaseBefore,
      bookmaster: (await e2e.stores.bookmaster.query('select 1 from test_user_writes where id = $1', [person.bookmaster])).rowCount ?? 0,
    }),
    close: async () => {
      await crm.close();
      await omnistack.close();
    },
  };
}

async function documentEvents(db: Db, collection: string, id: string): Promise<{ count(): Promise<number>; close(): Promise<void> }> {
  const stream: ChangeStream = db.collection(collection).watch();
  let events = 0;
  const drain = async () => {
    for (let event = await stream.tryNext(); event !== null; event = await stream.tryNext()) {
      if ('documentKey' in event && String(event.documentKey._id) === new ObjectId(id).toHexString()) events += 1;
    }
  };
  // The first poll opens the cursor: writes from here on are seen.
  await drain();
  return {
    count: async () => {
      await drain();
      return events;
    },
    close: () => stream.close(),
  };
}
