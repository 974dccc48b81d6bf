import { ObjectId } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { readJobFailure } from '../../../src/jobs/job-errors.ts';
import type { Trigger } from '../../../src/ledger/provenance.ts';
import { createMetrics, METRIC_NAMES } from '../../../src/metrics/metrics.ts';
import { countProfileWrites } from '../../../src/metrics/observe.ts';
import { propagateProfile, REDACTED_VALUE } from '../../../src/propagate/propagate-profile.ts';
import { createOmnistackProfileTarget } from '../../../src/platforms/omnistack/omnistack-profile.ts';
import type { ProfileTarget } from '../../../src/platforms/profile-target.ts';
import { countMongoWrites } from '../../support/mongo-writes.ts';
import { parseSamples, total } from '../../support/prometheus.ts';
import { createPropagateFixture } from '../../support/propagate-fixture.ts';
import type { PropagateFixture } from '../../support/propagate-fixture.ts';
import { waitFor } from '../../support/wait-for.ts';
import { insertCrmUser, insertOmnistackUser, newObjectId, newUuid, rawDocument, SEEDED_AT, uniqueEmail } from '../../support/platform-seeders.ts';

const FOREIGN_ENTRIES = ['stripe_cus_1', 'legacy-42'];
const METADATA = { team: 'ops', region: 'eu' };
const EVENT: Trigger = { type: 'change-event', source: 'crm.User', position: '{"_data":"82"}' };

/** A CRM user and the OmniStack user it links to, linked both ways, with the same profile. */
async function seedLinkedPerson(fixture: PropagateFixture) {
  const email = uniqueEmail('ada');
  const crm = newObjectId();
  const omnistack = newObjectId();
  await insertCrmUser(fixture.crm, { id: crm, email, name: 'Ada Lovelace', externalIds: { omnistack } });
  await insertOmnistackUser(fixture.omnistack, {
    id: omnistack,
    email,
    name: 'Ada',
    surname: 'Lovelace',
    externalIds: [FOREIGN_ENTRIES[0], `crm_${crm}`, FOREIGN_ENTRIES[1]],
    metadata: METADATA,
  });
  return { email, crm, omnistack };
}

async function editCrm(fixture: PropagateFixture, crm: string, fields: Record<string, unknown>) {
  await fixture.crm.collection('User').updateOne({ _id: new ObjectId(crm) }, { $set: fields });
}

describe('propagate profile jobs through Redis against the real stores', () => {
  let fixture: PropagateFixture | undefined;

  afterEach(async () => {
    await fixture?.dispose();
    fixture = undefined;
  });

  it('(a, c) copies a changed email and name to the linked OmniStack user and touches nothing else', async () => {
    fixture = await createPropagateFixture();
    const person = await seedLinkedPerson(fixture);
    const newEmail = uniqueEmail('augusta');
    await editCrm(fixture, person.crm, { email: newEmail, name: 'Augusta Ada King' });
    const before = await rawDocument(fixture.omnistack, 'users', person.omnistack);

    const outcome = await fixture.propagate(person.crm, EVENT);

    expect(outcome).toMatchObject({ personKey: `crm:${person.crm}`, crm: 'found', writes: 1 });
    expect(outcome.targets).toEqual([
      { platform: 'omnistack', recordId: person.omnistack, result: 'written', fields: ['email', 'name'], attempts: 1 },
      { platform: 'supabase', recordId: null, result: 'skipped', reason: 'no-link' },
    ]);
    const after = await rawDocument(fixture.omnistack, 'users', person.omnistack);
    expect(after).toMatchObject({ email: newEmail, name: 'Augusta Ada', surname: 'King' });
    expect((after?.updatedAt as Date).getTime()).toBeGreaterThan(SEEDED_AT.getTime());
    // (c) foreign entries keep their places, metadata and creation time are as they were.
    const { email: _email, name: _name, surname: _surname, updatedAt: _updatedAt, ...untouched } = after ?? {};
    const { email: _e, name: _n, surname: _s, updatedAt: _u, ...untouchedBefore } = before ?? {};
    expect(untouched).toEqual(untouchedBefore);
    expect(untouched.external_ids).toEqual([FOREIGN_ENTRIES[0], `crm_${person.crm}`, FOREIGN_ENTRIES[1]]);
    expect(untouched.metadata).toEqual(METADATA);
  });

  it('(b) performs zero writes when OmniStack already shows the CRM profile', async () => {
    fixture = await createPropagateFixture();
    const person = await seedLinkedPerson(fixture);
    await editCrm(fixture, person.crm, { email: uniqueEmail('new'), name: 'Ada King' });
    await fixture.propagate(person.crm);
    const writes = [countMongoWrites(fixture.crmConnection.client), countMongoWrites(fixture.omnistackConnection.client)];
    const ledgerRows = await fixture.ledger.connection.pool.query('select 1 from sync_writes');

    const again = await fixture.propagate(person.crm);

    expect(again.writes).toBe(0);
    expect(again.targets[0]).toEqual({ platform: 'omnistack', recordId: person.omnistack, result: 'unchanged' });
    expect(writes.map((counter) => counter.count())).toEqual([0, 0]);
    expect((await fixture.ledger.connection.pool.query('select 1 from sync_writes')).rowCount).toBe(ledgerRows.rowCount);
  });

  it('(b) writes nothing for a change of letter case or spacing only, nor for an OmniStack split that reads the same', async () => {
    fixture = await createPropagateFixture();
    const person = await seedLinkedPerson(fixture);
    await editCrm(fixture, person.crm, { email: ` ${person.email.toUpperCase()} `, name: '  Ada   Lovelace ' });
    await fixture.omnistack.collection('users').updateOne({ _id: new ObjectId(person.omnistack) }, { $set: { name: 'Ada Lovelace', surname: '' } });
    const writes = countMongoWrites(fixture.omnistackConnection.client);

    expect((await fixture.propagate(person.crm)).writes).toBe(0);
    expect(writes.count()).toBe(0);
  });

  it('never blanks OmniStack fields: a CRM user with no name and a blank email leaves them as they are', async () => {
    fixture = await createPropagateFixture();
    const person = await seedLinkedPerson(fixture);
    await fixture.crm.collection('User').updateOne({ _id: new ObjectId(person.crm) }, { $unset: { name: '' }, $set: { email: '  ' } });
    const before = await rawDocument(fixture.omnistack, 'users', person.omnistack);

    expect((await fixture.propagate(person.crm)).writes).toBe(0);
    expect(await rawDocument(fixture.omnistack, 'users', person.omnistack)).toEqual(before);
    expect(fixture.logs.some((entry) => entry.msg === 'the CRM email is not an address; it is not propagated')).toBe(true);
  });

  it('(d) fails at once with IDSYNC_ERR_EMAIL_TAKEN when another OmniStack user has the email, writes nothing, and reports it', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    fixture = await createPropagateFixture({ targets: (omnistack) => countProfileWrites({ omnistack: createOmnistackProfileTarget(omnistack) }, metrics) });
    const person = await seedLinkedPerson(fixture);
    const taken = uniqueEmail('taken');
    const holder = await insertOmnistackUser(fixture.omnistack, { email: taken });
    await editCrm(fixture, person.crm, { email: taken, name: 'Augusta King' });
    const before = await rawDocument(fixture.omnistack, 'users', person.omnistack);

    const job = await fixture.failing({ crmId: person.crm, trigger: EVENT });

    expect(job.attemptsMade).toBe(1);
    expect(await rawDocument(fixture.omnistack, 'users', person.omnistack)).toEqual(before);
    expect((await rawDocument(fixture.omnistack, 'users', holder))?.email).toBe(taken);
    const pool = fixture.ledger.connection.pool;
    const errors = await waitForRows(() => pool.query('select person_key, platform, queue, job_name, job_id, error_code, error_message, attempt from sync_errors'));
    expect(errors).toEqual([
      { person_key: `crm:${person.crm}`, platform: 'omnistack', queue: 'propagate', job_name: 'profile', job_id: job.id, error_code: 'IDSYNC_ERR_EMAIL_TAKEN', error_message: expect.any(String), attempt: 1 },
    ]);
    expect(JSON.stringify(errors)).not.toContain(taken);
    const { rows: findings } = await pool.query('select kind, person_key, platform, record_id, detail, provenance from findings');
    expect(findings).toEqual([
      {
        kind: 'email-taken',
        person_key: `crm:${person.crm}`,
        platform: 'omnistack',
        record_id: person.omnistack,
        detail: { recordId: person.omnistack, field: 'email', reason: 'duplicate-key' },
        provenance: { trigger: EVENT, jobId: job.id, rule: 'crm-email' },
      },
    ]);
    expect((await pool.query('select 1 from sync_writes')).rowCount).toBe(0);
    const samples = parseSamples(await metrics.registry.metrics());
    expect([total(samples, METRIC_NAMES.profileWrites, { platform: 'omnistack', outcome: 'error' }), total(samples, METRIC_NAMES.profileWrites, { outcome: 'written' })]).toEqual([1, 0]);
  });

  it('(d) also refuses an email another OmniStack user has in another letter case, which the unique index would let through', async () => {
    fixture = await createPropagateFixture();
    const person = await seedLinkedPerson(fixture);
    const taken = uniqueEmail('taken');
    await insertOmnistackUser(fixture.omnistack, { email: ` ${taken.toUpperCase()}` });
    await editCrm(fixture, person.crm, { email: taken, name: 'Augusta King' });
    const before = await rawDocument(fixture.omnistack, 'users', person.omnistack);

    const job = await fixture.failing({ crmId: person.crm, trigger: EVENT });

    expect(readJobFailure(job)).toEqual({ code: 'IDSYNC_ERR_EMAIL_TAKEN', platform: 'omnistack' });
    expect(job.attemptsMade).toBe(1);
    expect(await rawDocument(fixture.omnistack, 'users', person.omnistack)).toEqual(before);
    const { rows } = await fixture.ledger.connection.pool.query('select kind, detail from findings');
    expect(rows).toEqual([{ kind: 'email-taken', detail: { recordId: person.omnistack, field: 'email', reason: 'same-address' } }]);
  });

  it('(e) completes with no writes when the CRM user links to no OmniStack user, or only to Supabase while Supabase is not synced (no target)', async () => {
    fixture = await createPropagateFixture();
    const unlinked = await insertCrmUser(fixture.crm, { name: 'Grace Hopper' });
    const uuid = newUuid();
    const supabaseOnly = await insertCrmUser(fixture.crm, { name: 'Grace Hopper', supabaseId: uuid, externalIds: { supabase: uuid } });
    const writes = [countMongoWrites(fixture.crmConnection.client), countMongoWrites(fixture.omnistackConnection.client)];

    const none = await fixture.propagate(unlinked);
    const onlySupabase = await fixture.propagate(supabaseOnly);

    expect(none).toMatchObject({ writes: 0, targets: [{ platform: 'omnistack', result: 'skipped', reason: 'no-link' }, { platform: 'supabase', result: 'skipped', reason: 'no-link' }] });
    expect(onlySupabase).toMatchObject({ writes: 0, targets: [{ platform: 'omnistack', reason: 'no-link' }, { platform: 'supabase', recordId: uuid, result: 'skipped', reason: 'no-target' }] });
    expect(fixture.logs).toContainEqual(expect.objectContaining({ msg: 'no profile target for this platform; link skipped', platform: 'supabase', recordId: uuid }));
    expect(writes.map((counter) => counter.count())).toEqual([0, 0]);
  });

  it.each<[string, 'orphan-link' | 'malformed-link' | 'not-linked-back']>([
    ['an OmniStack user that does not exist', 'orphan-link'],
    ['a malformed link', 'malformed-link'],
    ['an OmniStack user that claims another CRM user', 'not-linked-back'],
    ['an OmniStack user that claims no CRM user', 'not-linked-back'],
  ])('(e) skips %s and writes nothing', async (label, reason) => {
    fixture = await createPropagateFixture();
    const omnistack = newObjectId();
    const link = reason === 'malformed-link' ? { $ne: null } : omnistack;
    const crm = await insertCrmUser(fixture.crm, { name: 'Grace Hopper', externalIds: { omnistack: link } });
    if (reason === 'not-linked-back') {
      const claims = label.includes('another') ? [`crm_${newObjectId()}`] : [];
      await insertOmnistackUser(fixture.omnistack, { id: omnistack, externalIds: claims });
    }
    const writes = countMongoWrites(fixture.omnistackConnection.client);

    const outcome = await fixture.propagate(crm);

    expect(outcome.writes).toBe(0);
    expect(outcome.targets[0]).toMatchObject({ platform: 'omnistack', result: 'skipped', reason });
    expect(writes.count()).toBe(0);
  });

  it('completes with nothing to do for a CRM user that does not exist', async () => {
    fixture = await createPropagateFixture();
    expect(await fixture.propagate(newObjectId())).toMatchObject({ crm: 'missing', writes: 0, targets: [] });
  });

  it('(f) records each write with its trigger, job id and rule, and no email or name anywhere', async () => {
    fixture = await createPropagateFixture();
    const person = await seedLinkedPerson(fixture);
    const newEmail = uniqueEmail('augusta');
    await editCrm(fixture, person.crm, { email: newEmail, name: 'Augusta Ada King' });
    const outcome = await fixture.propagate(person.crm, EVENT);

    const pool = fixture.ledger.connection.pool;
    const { rows } = await pool.query('select person_key, platform, record_id, field, before_value, after_value, provenance from sync_writes order by field');
    const jobId = expect.stringMatching(/^\d+$/);
    expect(rows).toEqual(
      (['email', 'name'] as const).map((field) => ({
        person_key: `crm:${person.crm}`,
        platform: 'omnistack',
        record_id: person.omnistack,
        field: `profile.${field}`,
        before_value: REDACTED_VALUE,
        after_value: REDACTED_VALUE,
        provenance: { trigger: EVENT, jobId, rule: field === 'email' ? 'crm-email' : 'crm-name-last-space' },
      })),
    );
    const everything = JSON.stringify([rows, (await pool.query('select * from findings')).rows, fixture.logs, outcome]);
    for (const value of [person.email, newEmail, 'Augusta', 'King', 'Lovelace']) expect(everything).not.toContain(value);
  });

  it('re-reads and writes again when OmniStack changed between its read and its write', async () => {
    fixture = await createPropagateFixture();
    const person = await seedLinkedPerson(fixture);
    await editCrm(fixture, person.crm, { name: 'Augusta Ada King' });
    const interfering = handEditBeforeWrites(fixture, person.omnistack, 1);

    const outcome = await propagateProfile({ ...fixture.deps, targets: { omnistack: interfering } }, person.crm, { trigger: EVENT, jobId: 'test' });

    expect(outcome.targets[0]).toMatchObject({ result: 'written', attempts: 2 });
    expect(await rawDocument(fixture.omnistack, 'users', person.omnistack)).toMatchObject({ name: 'Augusta Ada', surname: 'King', email: person.email });
  });

  it('gives up, retryable, with IDSYNC_ERR_PROPAGATE_CONTENDED when OmniStack keeps changing', async () => {
    fixture = await createPropagateFixture();
    const person = await seedLinkedPerson(fixture);
    await editCrm(fixture, person.crm, { name: 'Augusta Ada King' });
    const interfering = handEditBeforeWrites(fixture, person.omnistack, Number.POSITIVE_INFINITY);

    const run = propagateProfile({ ...fixture.deps, targets: { omnistack: interfering } }, person.crm, { trigger: EVENT, jobId: 'test' }, { maxAttempts: 3 });

    await expect(run).rejects.toMatchObject({ code: 'IDSYNC_ERR_PROPAGATE_CONTENDED', retryable: true, platform: 'omnistack' });
    expect((await fixture.ledger.connection.pool.query('select 1 from sync_writes')).rowCount).toBe(0);
  });
});

/** The real OmniStack target, but someone else edits the surname just before each of its first `times` writes. */
function handEditBeforeWrites(fixture: PropagateFixture, omnistack: string, times: number): ProfileTarget {
  const real = createOmnistackProfileTarget(fixture.omnistack);
  let edits = 0;
  return {
    ...real,
    write: async (current, changes) => {
      if (edits < times) {
        edits += 1;
        await fixture.omnistack.collection('users').updateOne({ _id: new ObjectId(omnistack) }, { $set: { surname: `Hand-${edits}` } });
      }
      return real.write(current, changes);
    },
  };
}

/** The rows a query answers once it answers any (the worker records a failure after BullMQ reports it). */
async function waitForRows(query: () => Promise<{ rows: unknown[] }>): Promise<unknown[]> {
  return waitFor('the rows', async () => {
    const { rows } = await query();
    return rows.length > 0 ? rows : undefined;
  });
}
