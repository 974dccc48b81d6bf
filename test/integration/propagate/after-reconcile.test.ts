import { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { ObjectId } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codes, ServiceUnreachableError } from '../../../src/errors.ts';
import { JobFailedError } from '../../../src/jobs/job-errors.ts';
import { createQueues } from '../../../src/queues/queues.ts';
import { DEFAULT_MAX_RECORDS } from '../../../src/reconcile/gather.ts';
import { createPipelineFixture } from '../../support/pipeline-fixture.ts';
import type { PipelineFixture } from '../../support/pipeline-fixture.ts';
import { recordedFailure } from '../../support/job-failure.ts';
import { uniqueName } from '../../support/names.ts';
import { testConfig } from '../../support/services.ts';
import { waitFor } from '../../support/wait-for.ts';
import { insertBookmasterUser, insertCrmUser, insertOmnistackUser, newObjectId, uniqueEmail } from '../../support/platform-seeders.ts';

/*
 * A reconcile that completes with a record of the person not as the link index last settled it
 * propagates the CRM user's profile in its own job, once it has settled them. The propagation here
 * is a recording stand-in (test/integration/propagate/profile.test.ts covers the real one).
 */
/** The code the reconcile job recorded as it failed. */
async function failureCode(pipeline: PipelineFixture, error: unknown): Promise<string | undefined> {
  const jobs = await pipeline.queues.byName.reconcile.getJobs(['failed']);
  expect(jobs).toHaveLength(1);
  const recorded = await recordedFailure(pipeline.queues.byName.reconcile, jobs[0]?.id, error);
  return recorded instanceof JobFailedError ? recorded.code : undefined;
}

describe('a reconcile that finds the person unsettled propagates their profile', () => {
  let fixture: PipelineFixture;
  let propagated: string[];
  let failures: number;

  beforeEach(async () => {
    propagated = [];
    failures = 0;
    fixture = await createPipelineFixture({
      propagateProfile: async (crmId) => {
        propagated.push(crmId);
        if (failures > 0) {
          failures -= 1;
          throw new ServiceUnreachableError('omnistack', 'mongodb://stand-in', new Error('down'));
        }
      },
    });
  });

  afterEach(async () => {
    await fixture.dispose();
  });

  it('after completing a one-way link, and not after a reconcile that found everyone settled', async () => {
    const omnistack = await insertOmnistackUser(fixture.omnistack, { name: 'Old', surname: 'Name' });
    const crm = await insertCrmUser(fixture.crm, { name: 'New Name', externalIds: { omnistack } });

    const first = await fixture.reconcile({ platform: 'crm', id: crm });
    expect(first.writes).toBeGreaterThan(0);
    expect(propagated).toEqual([crm]);

    const again = await fixture.reconcile({ platform: 'omnistack', id: omnistack });
    expect(again.writes).toBe(0);
    expect(propagated).toEqual([crm]);
  });

  it('after the CRM user’s name changed, though no link was written', async () => {
    const omnistack = await insertOmnistackUser(fixture.omnistack);
    const crm = await insertCrmUser(fixture.crm, { name: 'Ada Lovelace', externalIds: { omnistack } });
    await fixture.reconcile({ platform: 'crm', id: crm });
    await fixture.crm.collection('User').updateOne({ _id: new ObjectId(crm) }, { $set: { name: 'Ada King' } });

    const renamed = await fixture.reconcile({ platform: 'crm', id: crm });
    expect(renamed.writes).toBe(0);
    expect(propagated).toEqual([crm, crm]);
    // Spacing is no change of name: the profile would write nothing.
    await fixture.crm.collection('User').updateOne({ _id: new ObjectId(crm) }, { $set: { name: ' Ada   King ' } });
    await fixture.reconcile({ platform: 'crm', id: crm });
    expect(propagated).toEqual([crm, crm]);
  });

  it('hands a propagation that failed to a profile job, and completes', async () => {
    failures = 1;
    const omnistack = await insertOmnistackUser(fixture.omnistack);
    const crm = await insertCrmUser(fixture.crm, { externalIds: { omnistack } });

    const outcome = await fixture.reconcile({ platform: 'crm', id: crm });
    expect(outcome.writes).toBeGreaterThan(0);
    expect(propagated).toEqual([crm]);
    const jobs = await fixture.queues.byName.propagate.getJobs(['waiting', 'delayed']);
    expect(jobs.map((job) => job.data as { crmId: string })).toEqual([expect.objectContaining({ crmId: crm })]);
  });

  it("hands a CRM user's profile to a job when its reconcile fails (here, over the gather limit)", async () => {
    const crm = newObjectId();
    await insertCrmUser(fixture.crm, { id: crm });
    for (let claimer = 0; claimer <= DEFAULT_MAX_RECORDS; claimer += 1) await insertOmnistackUser(fixture.omnistack, { externalIds: [`crm_${crm}`] });

    const error = await fixture.reconcile({ platform: 'crm', id: crm }).catch((caught: unknown) => caught);
    expect(await failureCode(fixture, error)).toBe(codes.GATHER_LIMIT);
    const jobs = await fixture.queues.byName.propagate.getJobs(['waiting', 'delayed']);
    expect(jobs.map((job) => job.data as { crmId: string })).toEqual([expect.objectContaining({ crmId: crm })]);
    expect(propagated).toEqual([]);
  });

  it("fails with the reconcile's own error when the profile job cannot be enqueued either (Redis gone)", async () => {
    const gone = new Redis(testConfig().redis.url, { maxRetriesPerRequest: null });
    const goneQueues = createQueues({ connection: gone, prefix: uniqueName('gone') });
    await gone.quit();
    const failing = await createPipelineFixture({ propagateProfile: async () => undefined, profileJobs: goneQueues });
    try {
      const crm = newObjectId();
      await insertCrmUser(failing.crm, { id: crm });
      for (let claimer = 0; claimer <= DEFAULT_MAX_RECORDS; claimer += 1) await insertOmnistackUser(failing.omnistack, { externalIds: [`crm_${crm}`] });
      const error = await failing.reconcile({ platform: 'crm', id: crm }).catch((caught: unknown) => caught);
      expect(await failureCode(failing, error)).toBe(codes.GATHER_LIMIT);
    } finally {
      await failing.dispose();
      await goneQueues.close().catch(() => undefined);
    }
  });

  it('after writing a link whose record the index already held settled as written (another reconcile settled it, then lost)', async () => {
    const omnistack = await insertOmnistackUser(fixture.omnistack);
    const crm = await insertCrmUser(fixture.crm, { externalIds: { omnistack } });
    await fixture.reconcile({ platform: 'crm', id: crm });
    expect(propagated).toEqual([crm]);
    // The OmniStack user as it read before that write, while its row still holds it settled as written.
    await fixture.omnistack.collection('users').updateOne({ _id: new ObjectId(omnistack) }, { $unset: { external_ids: '' } });

    const rewritten = await fixture.reconcile({ platform: 'crm', id: crm }, { index: false });
    expect(rewritten.writes).toBe(1);
    expect(propagated).toEqual([crm, crm]);
  });

  it('after a job retried once its last run wrote and failed: its records, settled ahead of the writes, read as settled', async () => {
    const email = uniqueEmail('resumed');
    const omnistack = await insertOmnistackUser(fixture.omnistack, { email });
    const crm = await insertCrmUser(fixture.crm, { email });
    await fixture.indexStores();
    const ledgerPool = fixture.ledger.connection.pool;
    // The ledger refuses the run's writes: the job fails after they landed, before it settled the person.
    await ledgerPool.query('alter table sync_writes add constraint refuse_for_test check (false) not valid');
    const trigger = { type: 'change-event', source: 'test', position: '0' } as const;
    const job = await Job.fromId(fixture.queues.byName.reconcile, (await fixture.queues.enqueueReconcile({ platform: 'crm', id: crm }, trigger, 'user', 'changed')) ?? '');
    await waitFor('the job to fail', async () => (await job?.getState()) === 'failed');
    await ledgerPool.query('alter table sync_writes drop constraint refuse_for_test');
    expect(await fixture.reconcile({ platform: 'crm', id: crm }, { index: false, lane: 'changed' })).toMatchObject({ settled: true });
    expect(propagated).toEqual([]);

    // As an operator retries it from the dashboard.
    await job?.retry('failed');
    await waitFor('the retried job to complete', async () => (await job?.getState()) === 'completed');
    expect((await Job.fromId(fixture.queues.byName.reconcile, job?.id ?? ''))?.returnvalue).toMatchObject({ members: { crm, omnistack }, writes: 0 });
    expect(propagated).toEqual([crm]);
  });

  it('not for a person without a CRM user, whatever it wrote', async () => {
    const email = uniqueEmail('no-crm');
    const omnistack = await insertOmnistackUser(fixture.omnistack, { email });
    await insertBookmasterUser(fixture.bookmaster, { email });
    const outcome = await fixture.reconcile({ platform: 'omnistack', id: omnistack });
    expect(outcome.writes).toBe(2);
    expect(outcome.members.crm).toBeUndefined();
    expect(propagated).toEqual([]);
  });
});
