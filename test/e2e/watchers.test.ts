import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createE2eStores, logsOf, newPerson, observeQuiet, waitForWatching } from '../support/e2e-stores.ts';
import type { E2eStores, Person } from '../support/e2e-stores.ts';
import { runIdsync } from '../support/idsync-process.ts';
import type { IdsyncProcess } from '../support/idsync-process.ts';
import { waitFor } from '../support/wait-for.ts';

/** How long three records may take to be linked. */
const LINK_BOUND_MS = 15_000;
/**
 * The window over which a settled pipeline must write nothing. It spans several rounds of the echo
 * that idsync's own writes cause (change events, then the jobs they enqueue).
 */
const QUIET_WINDOW_MS = 4_000;

describe('idsync start: watchers keep the ID maps in sync on their own', () => {
  let stores: E2eStores;
  let idsync: IdsyncProcess;
  let person: Person;

  beforeAll(async () => {
    stores = await createE2eStores();
    idsync = runIdsync(['start'], stores.env);
    await waitForWatching(idsync);
  });

  afterAll(async () => {
    await idsync.stop('SIGTERM');
    await stores.dispose();
  });

  it('links a CRM, an OmniStack and a Bookmaster user with one email, then writes nothing more', async () => {
    person = newPerson();
    const writtenAt = Date.now();
    await stores.writePeople([person]);
    await waitFor('the three records to be linked', async () => (await stores.countLinked([person])) === 1, { timeoutMs: LINK_BOUND_MS });
    const linkMs = Date.now() - writtenAt;
    console.info(`[measure] three records linked ${linkMs} ms after they were written`);

    // Counted in the stores (change streams and row versions): a reconcile that wrote just before
    // the window may log its line inside it, so the log is no measure of writes in the window.
    const quiet = await observeQuiet(stores, QUIET_WINDOW_MS);
    expect(quiet.writes).toBe(0);
    // idsync's own writes did come back as events, and wrote nothing: the watcher found their
    // records settled and enqueued nothing, or (an echo that came before the settling) the
    // reconcile it enqueued wrote nothing.
    const reconciles = logsOf(idsync, 'reconciled');
    const lastWriting = reconciles.findLastIndex((entry) => Number(entry.writes) > 0);
    expect(lastWriting).toBeGreaterThanOrEqual(0);
    const echoesRecognised = logsOf(idsync, 'changes read as settled; not enqueued').reduce((sum, entry) => sum + Number(entry.settled), 0);
    expect(reconciles.slice(lastWriting + 1).length + echoesRecognised).toBeGreaterThan(0);
  });

  it('puts right a link changed by hand to a wrong value', async () => {
    const wrong = new ObjectId();
    const changedAt = Date.now();
    await stores.crm.collection('User').updateOne({ _id: new ObjectId(person.crm) }, { $set: { 'externalIds.omnistack': wrong.toHexString() } });
    await waitFor('the link to be put right', async () => (await stores.countLinked([person])) === 1, { timeoutMs: LINK_BOUND_MS });
    console.info(`[measure] hand-broken link put right in ${Date.now() - changedAt} ms`);
    // The reconcile records its findings after its writes: the row follows the link by a moment.
    const orphanRows = async () => (await stores.ledger.query<{ kind: string }>("select kind from findings where kind = 'orphan' and record_id = $1", [person.crm])).rows;
    await waitFor('the orphan finding to be recorded', async () => (await orphanRows()).length > 0);
    expect(await orphanRows()).toHaveLength(1);
    expect((await observeQuiet(stores, QUIET_WINDOW_MS)).writes).toBe(0);
  });

  it('copies a CRM name and email change to the linked OmniStack user on its own, then goes quiet', async () => {
    const email = person.email.replace('person-', 'renamed-');
    const changedAt = Date.now();
    await stores.crm.collection('User').updateOne({ _id: new ObjectId(person.crm) }, { $set: { name: 'Augusta Ada King', email } });
    const omni = await waitFor(
      'the profile to reach OmniStack',
      async () => {
        const document = await stores.omnistack.collection('users').findOne({ _id: new ObjectId(person.omnistack) });
        return document?.email === email && document.name === 'Augusta Ada' && document.surname === 'King' ? document : undefined;
      },
      { timeoutMs: LINK_BOUND_MS },
    );
    console.info(`[measure] CRM name and email reached OmniStack in ${Date.now() - changedAt} ms`);
    expect(omni.external_ids).toEqual(expect.arrayContaining([`crm_${person.crm}`]));
    expect((await observeQuiet(stores, QUIET_WINDOW_MS)).writes).toBe(0);
    expect(JSON.stringify(idsync.logs)).not.toContain(email);
  });

  it('logs ids, never the email it synced', () => {
    expect(JSON.stringify(idsync.logs)).not.toContain(person.email);
  });
});

describe('idsync start with CONFLICT_POLICY=manual', () => {
  it('records a link changed by hand to another existing record as a conflict, and writes nothing', async () => {
    const stores = await createE2eStores({ CONFLICT_POLICY: 'manual' });
    const idsync = runIdsync(['start', '--role', 'all'], stores.env);
    try {
      await waitForWatching(idsync);
      const person = newPerson();
      const other = newPerson();
      await stores.writePeople([person, other]);
      await waitFor('both people to be linked', async () => (await stores.countLinked([person, other])) === 2, { timeoutMs: LINK_BOUND_MS });

      const counter = await stores.countWrites();
      // The CRM record now claims the other person's OmniStack user, which claims the other CRM user.
      await stores.crm.collection('User').updateOne({ _id: new ObjectId(person.crm) }, { $set: { 'externalIds.omnistack': other.omnistack } });
      const conflict = await waitFor('the conflict finding', async () => {
        const { rows } = await stores.ledger.query<{ kind: string; platform: string }>("select kind, platform from findings where kind = 'conflict'");
        return rows[0];
      }, { timeoutMs: LINK_BOUND_MS });
      // Which platform the conflict is filed under depends on the record the reconcile started from.
      expect(conflict.kind).toBe('conflict');
      // The only write is the hand-made one; idsync leaves the conflict to an operator.
      expect((await observeQuiet(stores, QUIET_WINDOW_MS)).writes).toBe(0);
      expect(await counter.writes()).toBe(1);
      await counter.close();
      expect((await stores.crm.collection('User').findOne({ _id: new ObjectId(person.crm) }))?.externalIds?.omnistack).toBe(other.omnistack);
    } finally {
      await idsync.stop('SIGTERM');
      await stores.dispose();
    }
  }, 60_000);
});
