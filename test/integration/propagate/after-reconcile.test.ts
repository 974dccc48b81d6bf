import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPipelineFixture } from '../../support/pipeline-fixture.ts';
import type { PipelineFixture } from '../../support/pipeline-fixture.ts';
import { insertBookmasterUser, insertCrmUser, insertOmnistackUser, uniqueEmail } from '../../support/platform-seeders.ts';

describe('a reconcile that wrote links enqueues the person’s profile job', () => {
  let fixture: PipelineFixture;

  beforeEach(async () => {
    fixture = await createPipelineFixture({ propagateAfterWrites: true });
  });

  afterEach(async () => {
    await fixture.dispose();
  });

  const profileJobs = async () => (await fixture.queues.byName.propagate.getJobs(['waiting', 'delayed'])).map((job) => job.data as { crmId: string });

  it('after completing a one-way link (the first the profile can follow), and not after a reconcile that wrote nothing', async () => {
    const omnistack = await insertOmnistackUser(fixture.omnistack, { name: 'Old', surname: 'Name' });
    const crm = await insertCrmUser(fixture.crm, { name: 'New Name', externalIds: { omnistack } });

    const first = await fixture.reconcile({ platform: 'crm', id: crm });
    expect(first.writes).toBeGreaterThan(0);
    expect(await profileJobs()).toEqual([expect.objectContaining({ crmId: crm })]);

    await fixture.queues.byName.propagate.obliterate({ force: true });
    const again = await fixture.reconcile({ platform: 'omnistack', id: omnistack });
    expect(again.writes).toBe(0);
    expect(await profileJobs()).toEqual([]);
  });

  it('not for a person without a CRM user, whatever it wrote', async () => {
    const email = uniqueEmail('no-crm');
    const omnistack = await insertOmnistackUser(fixture.omnistack, { email });
    await insertBookmasterUser(fixture.bookmaster, { email });
    const outcome = await fixture.reconcile({ platform: 'omnistack', id: omnistack });
    expect(outcome.writes).toBe(2);
    expect(outcome.members.crm).toBeUndefined();
    expect(await profileJobs()).toEqual([]);
  });
});
