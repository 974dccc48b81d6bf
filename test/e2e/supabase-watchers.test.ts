import { randomBytes } from 'node:crypto';
import { Job, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { observeQuiet, waitForWatching } from '../support/e2e-stores.ts';
import { createSupabaseE2e, FOUR_SYSTEMS, WATCHED_SOURCES_WITH_SUPABASE } from '../support/e2e-supabase.ts';
import type { FourPerson, SupabaseE2e } from '../support/e2e-supabase.ts';
import type { IdsyncProcess } from '../support/idsync-process.ts';
import { findLeaks, ledgerTexts } from '../support/leak-check.ts';
import { anonKey, describeWithAuthServer, userAuthClient } from '../support/supabase.ts';
import { waitFor } from '../support/wait-for.ts';
import { testConfig } from '../support/services.ts';
import { createQueues } from '../../src/queues/queues.ts';

/** How long four records written by four systems' own paths may take to be linked. */
const LINK_BOUND_MS = 60_000;
/** As in watchers.test.ts: long enough for several rounds of the echo of idsync's own writes. */
const QUIET_WINDOW_MS = 4_000;
/** What the sign-ups used and got back: none of it may reach a log or the ledger. */
const secrets: string[] = [];

/** Signs `email` up as an app's user does; keeps what it used and got back, for the leak check. */
async function signUp(email: string): Promise<string> {
  const password = randomBytes(18).toString('base64url');
  const { data, error } = await userAuthClient().signUp({ email, password });
  if (error !== null) throw error;
  if (data.user === null || data.session === null) throw new Error('the sign-up made no user or session');
  secrets.push(password, data.session.access_token, data.session.refresh_token);
  return data.user.id;
}

describeWithAuthServer('idsync start with all four systems: the watchers keep one person linked on their own', () => {
  let e2e: SupabaseE2e;
  let idsync: IdsyncProcess;
  let person: FourPerson;
  /** The CRM address the email change test sets. */
  let moved: string;
  const addresses: string[] = [];

  beforeAll(async () => {
    e2e = await createSupabaseE2e();
    idsync = e2e.run(['start']);
    await waitForWatching(idsync, 60_000, WATCHED_SOURCES_WITH_SUPABASE);
  }, 120_000);

  afterAll(async () => {
    await e2e.dispose();
  });

  it('links a CRM insert, an OmniStack insert, a Supabase sign-up and a Bookmaster insert in every store, then writes nothing more', async () => {
    const base = e2e.newPerson();
    addresses.push(base.email);
    const writtenAt = Date.now();
    await e2e.stores.writePeople([base], ['crm']);
    await e2e.stores.writePeople([base], ['omnistack']);
    const supabase = await signUp(base.email);
    await e2e.stores.writePeople([base], ['bookmaster']);
    person = { ...base, supabase };

    await waitFor('all four records to be linked', async () => (await e2e.linkedIn(person)).length === 4, { timeoutMs: LINK_BOUND_MS });
    console.info(`[measure] four records linked in every store ${Date.now() - writtenAt} ms after the first was written`);

    // Counted in the stores, Supabase by the namespace's row versions.
    expect((await observeQuiet(e2e, QUIET_WINDOW_MS)).writes).toBe(0);
    // The link writes are in the ledger, one row per link of each record.
    const { rows } = await e2e.stores.ledger.query<{ platform: string; links: string }>(
      "select platform, count(*)::int as links from sync_writes where field like 'links.%' group by platform order by platform",
    );
    expect(Object.fromEntries(rows.map((row) => [row.platform, row.links]))).toEqual({ bookmaster: 3, crm: 3, omnistack: 3, supabase: 3 });
  }, LINK_BOUND_MS + 30_000);

  it("ends a change job of each of the linked person's records at its first read: each reads as the reconcile that linked it left it", async () => {
    const redis = new Redis(testConfig().redis.url, { maxRetriesPerRequest: null });
    const queues = createQueues({ connection: redis, prefix: e2e.env.QUEUE_PREFIX, reconcileDebounceMs: 0 });
    const events = new QueueEvents('reconcile', { connection: redis.duplicate(), prefix: e2e.env.QUEUE_PREFIX });
    try {
      await events.waitUntilReady();
      const trigger = { type: 'change-event', source: 'test', position: '0' } as const;
      const outcomes = [];
      for (const platform of FOUR_SYSTEMS) {
        const id = await queues.enqueueReconcile({ platform, id: person[platform] }, trigger, 'user', 'changed');
        const job = await Job.fromId(queues.byName.reconcile, id ?? '');
        outcomes.push({ platform, settled: (await job?.waitUntilFinished(events, LINK_BOUND_MS))?.settled });
      }
      expect(outcomes).toEqual(FOUR_SYSTEMS.map((platform) => ({ platform, settled: true })));
    } finally {
      await events.close();
      await queues.close();
      await redis.quit();
    }
  });

  it('links a sign-up to three records already linked, from the Supabase watcher\'s event', async () => {
    const base = e2e.newPerson();
    addresses.push(base.email);
    await e2e.stores.writePeople([base]);
    await waitFor('the three records to be linked', async () => (await e2e.stores.countLinked([base])) === 1, { timeoutMs: LINK_BOUND_MS });
    // Every reconcile the three inserts and their echoes cause has run: only the sign-up is left to see.
    expect((await observeQuiet(e2e, QUIET_WINDOW_MS)).writes).toBe(0);
    const signedUpAt = Date.now();
    const later: FourPerson = { ...base, supabase: await signUp(base.email) };
    await waitFor('the Supabase user to be linked', async () => (await e2e.linkedIn(later)).length === 4, { timeoutMs: LINK_BOUND_MS });
    console.info(`[measure] a sign-up linked to three linked records in every store ${Date.now() - signedUpAt} ms after it`);
    // The ledger rows follow the store writes. Six: three links of the Supabase user, one on each other record.
    const rows = await waitFor('the six link writes in the ledger', async () => {
      const { rows: written } = await e2e.stores.ledger.query<{ source: string }>(
        `select provenance -> 'trigger' ->> 'source' as source from sync_writes
          where (platform = 'supabase' and record_id = $1) or (field = 'links.supabase' and record_id = any($2::text[]))`,
        [later.supabase, [later.crm, later.omnistack, later.bookmaster]],
      );
      return written.length >= 6 ? written : undefined;
    });
    expect(rows).toEqual(Array.from({ length: 6 }, () => ({ source: 'supabase.auth.users' })));
  }, LINK_BOUND_MS * 2);

  it('carries a CRM email (and name) change to the Supabase user and the OmniStack user, then goes quiet', async () => {
    // Mixed case and padding: OmniStack gets the CRM address trimmed in its own case, the auth
    // server keeps addresses lower-cased.
    moved = `  Moved-${person.crm.slice(-6)}@${e2e.supabase.domain.toUpperCase()} `;
    addresses.push(moved.trim());
    const changedAt = Date.now();
    await e2e.stores.crm.collection('User').updateOne({ _id: new ObjectId(person.crm) }, { $set: { email: moved, name: 'Augusta Ada King' } });
    await waitFor(
      'the email and name to reach Supabase and OmniStack',
      async () => {
        const user = await e2e.supabase.rawUser(person.supabase);
        const omni = await e2e.stores.omnistack.collection('users').findOne({ _id: new ObjectId(person.omnistack) });
        return (
          user?.email === moved.trim().toLowerCase() &&
          user.raw_user_meta_data?.name === 'Augusta Ada King' &&
          omni?.email === moved.trim() &&
          omni.name === 'Augusta Ada' &&
          omni.surname === 'King'
        );
      },
      { timeoutMs: LINK_BOUND_MS },
    );
    console.info(`[measure] CRM email and name reached Supabase and OmniStack in ${Date.now() - changedAt} ms`);
    expect((await observeQuiet(e2e, QUIET_WINDOW_MS)).writes).toBe(0);
    expect(await e2e.linkedIn(person)).toEqual(FOUR_SYSTEMS);
    // A confirmed change of address: no change waits for a mail nobody will read.
    expect((await e2e.supabase.rawUser(person.supabase))?.email_change).toBe('');
    const { rows } = await e2e.stores.ledger.query<{ platform: string; field: string }>(
      "select distinct platform, field from sync_writes where field like 'profile.%' order by platform, field",
    );
    expect(rows).toEqual([
      { platform: 'omnistack', field: 'profile.email' },
      { platform: 'omnistack', field: 'profile.name' },
      { platform: 'supabase', field: 'profile.email' },
      { platform: 'supabase', field: 'profile.name' },
    ]);
  }, LINK_BOUND_MS + 30_000);

  it('refuses on Supabase a CRM address another Supabase user holds, and records that by ids and reason', async () => {
    const taken = e2e.supabase.email(`taken-${person.crm.slice(-6)}`);
    const holder = await e2e.supabase.seedUser({ email: taken });
    const spelled = taken.toUpperCase();
    addresses.push(taken);
    await e2e.stores.crm.collection('User').updateOne({ _id: new ObjectId(person.crm) }, { $set: { email: spelled } });
    const finding = await waitFor(
      'the email-taken finding',
      async () => {
        const { rows } = await e2e.stores.ledger.query<{ platform: string; record_id: string; detail: unknown }>(
          "select platform, record_id, detail from findings where kind = 'email-taken'",
        );
        return rows[0];
      },
      { timeoutMs: LINK_BOUND_MS },
    );
    expect(finding).toEqual({ platform: 'supabase', record_id: person.supabase, detail: { recordId: person.supabase, field: 'email', reason: 'duplicate-key' } });
    // The failure is recorded once the job has failed, after the finding.
    const errors = await waitFor('the failed profile job in the sync error log', async () => {
      const { rows } = await e2e.stores.ledger.query<{ error_code: string; platform: string }>("select error_code, platform from sync_errors where queue = 'propagate'");
      return rows.length > 0 ? rows : undefined;
    });
    expect(errors).toEqual([{ error_code: 'IDSYNC_ERR_EMAIL_TAKEN', platform: 'supabase' }]);
    expect((await e2e.supabase.rawUser(person.supabase))?.email).toBe(moved.trim().toLowerCase());
    expect((await e2e.supabase.rawUser(holder))?.email).toBe(taken);
    expect(await e2e.linkedIn(person)).toEqual(FOUR_SYSTEMS);
  }, LINK_BOUND_MS + 30_000);

  it('has put no service-role key, JWT, password or email in its logs (at debug) or the ledger', async () => {
    // Stopped first, so that every line it would write is in.
    expect(await idsync.stop('SIGTERM')).toBe(0);
    // What the check reads: the run's log lines, and the ledger's rows of the writes above.
    expect(idsync.logs.filter((entry) => entry.msg === 'reconciled').length).toBeGreaterThan(0);
    expect((await ledgerTexts(e2e.stores.ledger)).filter((text) => text.where.startsWith('sync_writes.')).length).toBeGreaterThan(0);
    expect(await e2e.leaks({ exact: secrets, anyCase: addresses })).toEqual([]);
    // The check itself finds what it looks for.
    const planted = `{"msg":"x","key":"${anonKey()}","to":"${addresses[0]?.toUpperCase()}"}`;
    expect(findLeaks([{ where: 'planted', text: planted }], { exact: [], anyCase: addresses })).toEqual([
      { where: 'planted', kind: 'any-case', index: 0 },
      { where: 'planted', kind: 'jwt-shaped' },
    ]);
  });
});
