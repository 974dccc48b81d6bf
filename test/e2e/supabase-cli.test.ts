import { ObjectId } from 'mongodb';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { AuditReport } from '../../src/jobs/audit-processor.ts';
import { createSupabaseE2e, FOUR_SYSTEMS } from '../support/e2e-supabase.ts';
import type { FourPerson, SupabaseE2e } from '../support/e2e-supabase.ts';
import type { Person } from '../support/e2e-stores.ts';
import { describeWithAuthServer } from '../support/supabase.ts';
import { waitFor } from '../support/wait-for.ts';

/** How long a started workers process may take to say so on a busy machine. */
const START_BOUND_MS = 60_000;
/** How long the audit's repairs may take to link everyone. */
const REPAIR_BOUND_MS = 60_000;

describeWithAuthServer('idsync commands against `idsync start --role workers` with all four systems', () => {
  let e2e: SupabaseE2e;

  beforeEach(async () => {
    e2e = await createSupabaseE2e();
    await e2e.run(['start', '--role', 'workers']).waitForLog('idsync started', START_BOUND_MS);
  }, START_BOUND_MS + 30_000);

  afterEach(async () => {
    await e2e.dispose();
  });

  it('idsync staff create opens the Supabase, OmniStack and CRM accounts, links them (and a Bookmaster user with that email), and finds them again', async () => {
    const email = e2e.supabase.email('hire');
    const bookmaster = `bm_hire${Date.now().toString(36)}`;
    await e2e.stores.bookmaster.query('insert into users (id, email) values ($1, $2)', [bookmaster, email]);
    // No watcher runs here: this reconcile is what the Bookmaster insert's event would have run.
    expect(await e2e.run(['reconcile', `bookmaster:${bookmaster}`, '--wait']).exited).toBe(0);
    const startedAt = Date.now();
    const cli = e2e.run(['staff', 'create', '--email', email, '--name', 'Ana', '--surname', 'Lopez', '--json']);
    expect(await cli.exited).toBe(0);
    console.info(`[measure] idsync staff create answered in ${Date.now() - startedAt} ms`);
    const printed = cli.logs.at(-1) as { personKey: string; accounts: Record<string, { id: string; created: boolean }>; linkWrites: number };
    expect(Object.keys(printed.accounts)).toEqual(['supabase', 'omnistack', 'crm']);
    expect(Object.values(printed.accounts).every((account) => account.created)).toBe(true);
    const person: FourPerson = { email, bookmaster, crm: id(printed, 'crm'), omnistack: id(printed, 'omnistack'), supabase: id(printed, 'supabase') };
    expect(printed.personKey).toBe(`crm:${person.crm}`);
    expect(await e2e.linkedIn(person)).toEqual(FOUR_SYSTEMS);

    const user = await e2e.supabase.rawUser(person.supabase);
    expect(user).toMatchObject({ email, raw_user_meta_data: expect.objectContaining({ name: 'Ana Lopez' }) });
    expect(user?.email_confirmed_at).toBeInstanceOf(Date);
    expect(await e2e.stores.crm.collection('User').findOne({ _id: new ObjectId(person.crm) })).toMatchObject({ email, name: 'Ana Lopez', role: 'SALES' });
    const { rows } = await e2e.stores.ledger.query<{ platform: string; record_id: string }>(
      "select platform, record_id from sync_writes where field = 'account' order by id",
    );
    expect(rows).toEqual([
      { platform: 'supabase', record_id: person.supabase },
      { platform: 'omnistack', record_id: person.omnistack },
      { platform: 'crm', record_id: person.crm },
    ]);

    const again = e2e.run(['staff', 'create', '--email', email.toUpperCase(), '--name', 'Ana', '--surname', 'Lopez', '--json']);
    expect(await again.exited).toBe(0);
    expect(again.logs.at(-1)).toMatchObject({
      personKey: printed.personKey,
      accounts: { supabase: { id: person.supabase, created: false }, omnistack: { id: person.omnistack, created: false }, crm: { id: person.crm, created: false } },
      linkWrites: 0,
    });
    expect(await e2e.leaks()).toEqual([]);
  }, 120_000);

  it('idsync audit --wait finds the Supabase side missing or broken, its repairs link everyone, and a second audit records them in sync', async () => {
    // A: three records linked to one another, and a Supabase user (same email) that nobody links.
    const missing = await seedPerson(e2e, e2e.newPerson(), { supabaseLinks: undefined, othersLinkSupabase: false });
    // B: everyone links the Supabase user, which claims a CRM user and a Bookmaster user that do not exist.
    const ghosts = { crm: new ObjectId().toHexString(), bookmaster: `bm_ghost${Date.now().toString(36)}` };
    const broken = await seedPerson(e2e, e2e.newPerson(), { supabaseLinks: ghosts, othersLinkSupabase: true });
    // Nothing watches the stores: only the audit can repair them.
    expect(await e2e.linkedIn(missing)).toEqual([]);
    expect(await e2e.linkedIn(broken)).toEqual(['crm', 'omnistack', 'bookmaster']);

    const auditedAt = Date.now();
    const first = await audit(e2e);
    expect(first.scanned).toEqual(FOUR_SYSTEMS);
    const before = await syncStatus(e2e);
    expect(before.get(missing.crm)).toEqual({ platforms_in_sync: [], issues: expect.arrayContaining([issue({ kind: 'missing-link', platform: 'supabase', recordId: missing.supabase, linkPlatform: 'crm', linkId: missing.crm })]) });
    expect(before.get(broken.crm)).toEqual({
      platforms_in_sync: ['crm', 'omnistack', 'bookmaster'],
      issues: expect.arrayContaining([
        issue({ kind: 'orphan', platform: 'supabase', recordId: broken.supabase, claimedPlatform: 'crm', claimedId: ghosts.crm }),
        issue({ kind: 'orphan', platform: 'supabase', recordId: broken.supabase, claimedPlatform: 'bookmaster', claimedId: ghosts.bookmaster }),
        issue({ kind: 'missing-link', platform: 'supabase', recordId: broken.supabase, linkPlatform: 'omnistack', linkId: broken.omnistack }),
      ]),
    });

    const supabaseWrites = async () =>
      (
        await e2e.stores.ledger.query<{ record_id: string; trigger: unknown }>(
          "select distinct record_id, provenance -> 'trigger' as trigger from sync_writes where platform = 'supabase'",
        )
      ).rows.sort((a, b) => a.record_id.localeCompare(b.record_id));
    // The ledger rows follow the store writes: the repairs are done once both are there.
    await waitFor(
      'the repairs to link both people, in the stores and the ledger',
      async () => (await e2e.linkedIn(missing)).length === 4 && (await e2e.linkedIn(broken)).length === 4 && (await supabaseWrites()).length >= 2,
      { timeoutMs: REPAIR_BOUND_MS },
    );
    console.info(`[measure] audit and its repairs linked both people in ${Date.now() - auditedAt} ms`);
    // Written by the audit's repairs, which carry its trigger.
    expect(await supabaseWrites()).toEqual(
      [missing.supabase, broken.supabase].sort((a, b) => a.localeCompare(b)).map((record) => ({ record_id: record, trigger: { type: 'command', via: 'cli' } })),
    );

    await audit(e2e);
    const after = await syncStatus(e2e);
    expect([...after.keys()].sort()).toEqual([missing.crm, broken.crm].sort());
    for (const status of after.values()) expect(status).toEqual({ platforms_in_sync: FOUR_SYSTEMS, issues: [] });
    expect(await e2e.leaks()).toEqual([]);
  }, 180_000);
});

function id(printed: { accounts: Record<string, { id: string }> }, platform: string): string {
  const account = printed.accounts[platform];
  if (account === undefined) throw new Error(`no ${platform} account printed`);
  return account.id;
}

interface Seed {
  /** The Supabase user's `external_ids`; undefined: none. */
  readonly supabaseLinks: Record<string, string> | undefined;
  /** Whether the three other records link the Supabase user. */
  readonly othersLinkSupabase: boolean;
}

/** The person's CRM, OmniStack and Bookmaster records, linked to one another, and their Supabase user (made through the admin API). */
async function seedPerson(e2e: SupabaseE2e, person: Person, seed: Seed): Promise<FourPerson> {
  const supabase = await e2e.supabase.seedUser({ email: person.email, ...(seed.supabaseLinks ? { appMetadata: { external_ids: seed.supabaseLinks } } : {}) });
  const extra = seed.othersLinkSupabase ? { supabase } : {};
  await e2e.stores.crm.collection('User').insertOne({
    _id: new ObjectId(person.crm),
    email: person.email,
    role: 'SALES',
    externalIds: { omnistack: person.omnistack, bookmaster: person.bookmaster, ...extra },
    ...(seed.othersLinkSupabase ? { supabaseId: supabase } : {}),
  });
  await e2e.stores.omnistack.collection('users').insertOne({
    _id: new ObjectId(person.omnistack),
    email: person.email,
    name: 'Ada',
    surname: 'Lovelace',
    external_ids: [`crm_${person.crm}`, ...(seed.othersLinkSupabase ? [`supabase_${supabase}`] : []), person.bookmaster],
  });
  await e2e.stores.bookmaster.query('insert into users (id, email, external_ids) values ($1, $2, $3)', [
    person.bookmaster,
    person.email,
    { crm: person.crm, omnistack: person.omnistack, ...extra },
  ]);
  return { ...person, supabase };
}

async function audit(e2e: SupabaseE2e): Promise<AuditReport> {
  const cli = e2e.run(['audit', '--wait', '--json']);
  expect(await cli.exited).toBe(0);
  return cli.logs.at(-1) as unknown as AuditReport;
}

interface Status {
  platforms_in_sync: string[];
  issues: unknown[];
}

/** The ledger's sync_status rows by CRM id. */
async function syncStatus(e2e: SupabaseE2e): Promise<Map<string, Status>> {
  const { rows } = await e2e.stores.ledger.query<Status & { user_id: string }>('select user_id, platforms_in_sync, issues from sync_status');
  return new Map(rows.map(({ user_id: userId, ...status }) => [userId, status]));
}

function issue(fields: Record<string, string>): unknown {
  return expect.objectContaining(fields);
}
