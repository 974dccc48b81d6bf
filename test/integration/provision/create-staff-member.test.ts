import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { Job } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProvisionReport } from '../../../src/jobs/provision-processor.ts';
import type { WorkerRunner } from '../../../src/jobs/worker-runner.ts';
import type { StaffMember } from '../../../src/queues/job-payloads.ts';
import { countMongoWrites } from '../../support/mongo-writes.ts';
import { createProvisionFixture, startProvisionWorker } from '../../support/provision-fixture.ts';
import type { ProvisionFixture } from '../../support/provision-fixture.ts';
import { insertBookmasterUser, insertOmnistackUser, PASSWORD_HASH, uniqueEmail } from '../../support/platform-seeders.ts';

const BY_CLI = { type: 'command', via: 'cli' } as const;
const CHILD = path.join(import.meta.dirname, '..', '..', 'support', 'provision-worker-child.ts');

describe('create-staff-member (the provision queue)', () => {
  let fixture: ProvisionFixture;
  let worker: WorkerRunner | undefined;

  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    await fixture.dispose();
  });

  const member = (email = uniqueEmail('hire')): StaffMember => ({ email, name: 'Ana', surname: 'Lopez', role: 'SALES' });
  const byEmail = (collection: 'User' | 'users', email: string) => (collection === 'User' ? fixture.crm : fixture.omnistack).collection(collection).find({ email }).toArray();

  it('opens the OmniStack and CRM accounts, each claiming the other, and links a same-email Bookmaster user', async () => {
    fixture = await createProvisionFixture();
    const hire = member();
    const bookmasterId = await insertBookmasterUser(fixture.stores.bookmaster.pool, { email: hire.email });
    worker = startProvisionWorker(fixture.stores, fixture.namespace);

    const jobId = await fixture.queues.enqueueProvision(hire, BY_CLI);
    const report = (await fixture.finished(jobId)) as ProvisionReport;

    const [omni] = await byEmail('users', hire.email);
    const [crm] = await byEmail('User', hire.email);
    const omniId = omni?._id.toHexString();
    const crmId = crm?._id.toHexString();
    expect(report).toEqual({ personKey: `crm:${crmId}`, accounts: { omnistack: { id: omniId, created: true }, crm: { id: crmId, created: true } }, linkWrites: 3 });
    expect(omni).toMatchObject({ name: 'Ana', surname: 'Lopez', email: hire.email, metadata: {} });
    expect([...(omni?.external_ids as string[])].sort()).toEqual([bookmasterId, `crm_${crmId}`].sort());
    expect(crm).toMatchObject({ name: 'Ana Lopez', role: 'SALES', externalIds: { omnistack: omniId, bookmaster: bookmasterId } });
    expect(crm).not.toHaveProperty('password');
    expect(crm).not.toHaveProperty('supabaseId');
    const { rows: [row] } = await fixture.stores.bookmaster.pool.query('select external_ids from users where id = $1', [bookmasterId]);
    expect(row.external_ids).toEqual({ crm: crmId, omnistack: omniId });

    const { rows } = await fixture.ledger.connection.pool.query("select platform, record_id, after_value, provenance from sync_writes where field = 'account' order by platform");
    expect(rows).toEqual([
      { platform: 'crm', record_id: crmId, after_value: `crm:${crmId}`, provenance: { trigger: BY_CLI, jobId, rule: 'create-staff-member' } },
      { platform: 'omnistack', record_id: omniId, after_value: `omnistack:${omniId}`, provenance: { trigger: BY_CLI, jobId, rule: 'create-staff-member' } },
    ]);
    expect(JSON.stringify(await fixture.ledger.connection.pool.query('select * from sync_writes'))).not.toContain(hire.email);
  });

  it('run again for the same person, creates nothing and writes nothing', async () => {
    fixture = await createProvisionFixture();
    const hire = member();
    worker = startProvisionWorker(fixture.stores, fixture.namespace);
    const first = (await fixture.finished(await fixture.queues.enqueueProvision(hire, BY_CLI))) as ProvisionReport;
    const writes = [countMongoWrites(fixture.stores.crm.client), countMongoWrites(fixture.stores.omnistack.client)];

    // The same person asked for again, the address typed in another case.
    const again = (await fixture.finished(await fixture.queues.enqueueProvision({ ...hire, email: hire.email.toUpperCase() }, BY_CLI))) as ProvisionReport;
    expect(again.accounts).toEqual({ omnistack: { ...first.accounts.omnistack, created: false }, crm: { ...first.accounts.crm, created: false } });
    expect(again.linkWrites).toBe(0);
    expect(writes.map((counter) => counter.count())).toEqual([0, 0]);
    expect(await byEmail('users', hire.email)).toHaveLength(1);
    expect(await byEmail('User', hire.email)).toHaveLength(1);
  });

  it('a worker killed (SIGKILL) between the OmniStack and the CRM step: the job is taken over, resumes at the CRM step, and nothing is duplicated', async () => {
    fixture = await createProvisionFixture();
    const hire = member();
    const child = spawn(process.execPath, [CHILD, JSON.stringify(fixture.namespace), 'omnistack'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    // The child says 'ready' once its worker listens.
    await once(child.stdout, 'data');

    const jobId = await fixture.queues.enqueueProvision(hire, BY_CLI);
    const [, signal] = await exited;
    expect(signal).toBe('SIGKILL');
    const afterKill = await Job.fromId(fixture.queues.byName.provision, jobId ?? '');
    expect(await afterKill?.getState()).toBe('active');
    expect(afterKill?.progress).toMatchObject({ accounts: { omnistack: { created: true } } });
    expect(await byEmail('User', hire.email)).toHaveLength(0);

    worker = startProvisionWorker(fixture.stores, fixture.namespace, { stalledIntervalMs: 300 });
    const report = (await fixture.finished(jobId)) as ProvisionReport;
    const [omni] = await byEmail('users', hire.email);
    expect(report.accounts).toMatchObject({ omnistack: { id: omni?._id.toHexString(), created: true }, crm: { created: true } });
    expect(await byEmail('users', hire.email)).toHaveLength(1);
    expect(await byEmail('User', hire.email)).toHaveLength(1);
    expect(omni?.external_ids).toEqual([`crm_${report.accounts.crm?.id}`]);
  });

  it('an account that is already there is the person’s; two with the email fail the job with IDSYNC_ERR_EMAIL_AMBIGUOUS and open nothing after', async () => {
    fixture = await createProvisionFixture();
    worker = startProvisionWorker(fixture.stores, fixture.namespace);
    const existing = member();
    const omniId = await insertOmnistackUser(fixture.omnistack, { email: existing.email, externalIds: ['legacy_42'] });
    const report = (await fixture.finished(await fixture.queues.enqueueProvision(existing, BY_CLI))) as ProvisionReport;
    expect(report.accounts.omnistack).toEqual({ id: omniId, created: false });
    expect((await byEmail('users', existing.email))[0]?.external_ids).toEqual(['legacy_42', `crm_${report.accounts.crm?.id}`]);

    const twice = member();
    // OmniStack's unique index compares case-sensitively; idsync matches emails case-insensitively.
    await insertOmnistackUser(fixture.omnistack, { email: twice.email });
    await insertOmnistackUser(fixture.omnistack, { email: twice.email.toUpperCase() });
    const failure = await fixture.finished(await fixture.queues.enqueueProvision(twice, BY_CLI)).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'IDSYNC_ERR_EMAIL_AMBIGUOUS', platform: 'omnistack' });
    expect(String((failure as Error).message)).not.toContain(twice.email);
    expect(await byEmail('User', twice.email)).toHaveLength(0);
    const { rows } = await fixture.ledger.connection.pool.query('select platform, error_code, attempt from sync_errors');
    expect(rows).toEqual([{ platform: 'omnistack', error_code: 'IDSYNC_ERR_EMAIL_AMBIGUOUS', attempt: 1 }]);
  });

  it('with Supabase synced and no way to open Supabase accounts, fails at once with IDSYNC_ERR_NOT_AVAILABLE and creates nothing', async () => {
    fixture = await createProvisionFixture(['crm', 'omnistack', 'supabase']);
    worker = startProvisionWorker(fixture.stores, fixture.namespace);
    const hire = member();
    const failure = await fixture.finished(await fixture.queues.enqueueProvision(hire, BY_CLI)).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'IDSYNC_ERR_NOT_AVAILABLE' });
    expect(await byEmail('users', hire.email)).toHaveLength(0);
    expect(await byEmail('User', hire.email)).toHaveLength(0);
  });

  it('a request for an email whose job still waits answers that job, in any letter case', async () => {
    fixture = await createProvisionFixture();
    const hire = member();
    const first = await fixture.queues.enqueueProvision(hire, BY_CLI);
    const second = await fixture.queues.enqueueProvision({ ...hire, email: hire.email.toUpperCase(), name: 'Another' }, BY_CLI);
    expect(second).toBe(first);
    expect(await fixture.queues.byName.provision.count()).toBe(1);
  });

  it.each([
    ['an operator object as the email', { email: { $ne: null }, name: 'Ana', surname: 'Lopez' }],
    ['no surname', { email: 'a@example.com', name: 'Ana' }],
    ['an unknown field', { email: 'a@example.com', name: 'Ana', surname: 'Lopez', password: PASSWORD_HASH }],
    ['no trigger', { email: 'a@example.com', name: 'Ana', surname: 'Lopez', trigger: undefined }],
    ['a role the CRM does not have', { email: 'a@example.com', name: 'Ana', surname: 'Lopez', role: 'ADMIN' }],
  ])('a payload with %s fails at once with IDSYNC_ERR_INVALID_PAYLOAD and touches no store', async (_case, data) => {
    fixture = await createProvisionFixture();
    worker = startProvisionWorker(fixture.stores, fixture.namespace);
    const commands: string[] = [];
    fixture.stores.crm.client.on('commandStarted', (event: { commandName: string }) => commands.push(event.commandName));
    const job = await fixture.queues.byName.provision.add('create-staff-member', { trigger: BY_CLI, ...data });
    const failure = await fixture.finished(job.id).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'IDSYNC_ERR_INVALID_PAYLOAD' });
    expect((await Job.fromId(fixture.queues.byName.provision, job.id ?? ''))?.attemptsMade).toBe(1);
    expect(commands).toEqual([]);
  });
});
