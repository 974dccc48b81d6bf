import { ObjectId } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createPipelineFixture } from '../../support/pipeline-fixture.ts';
import type { PipelineFixture } from '../../support/pipeline-fixture.ts';
import { insertBookmasterUser, insertCrmUser, insertOmnistackUser, rawBookmasterRow, rawDocument, uniqueEmail } from '../../support/platform-seeders.ts';
import { countMongoWrites } from '../../support/mongo-writes.ts';

/** Seeds one person in all three systems with one email and no links, as the guide's glue left them. */
async function seedUnlinkedPerson(fixture: PipelineFixture) {
  const email = uniqueEmail('staff');
  const crm = await insertCrmUser(fixture.crm, { email });
  const omnistack = await insertOmnistackUser(fixture.omnistack, { email: email.toUpperCase() });
  const bookmaster = await insertBookmasterUser(fixture.bookmaster, { email: ` ${email}` });
  return { email, crm, omnistack, bookmaster };
}

async function storedLinks(fixture: PipelineFixture, ids: { crm: string; omnistack: string; bookmaster: string }) {
  return {
    crm: (await rawDocument(fixture.crm, 'User', ids.crm))?.externalIds as unknown,
    omnistack: (await rawDocument(fixture.omnistack, 'users', ids.omnistack))?.external_ids as unknown,
    bookmaster: (await rawBookmasterRow(fixture.bookmaster, ids.bookmaster))?.external_ids as unknown,
  };
}

function expectLinkedBothWays(links: Awaited<ReturnType<typeof storedLinks>>, ids: { crm: string; omnistack: string; bookmaster: string }) {
  expect(links.crm).toEqual({ omnistack: ids.omnistack, bookmaster: ids.bookmaster });
  expect(links.omnistack).toEqual([`crm_${ids.crm}`, ids.bookmaster]);
  expect(links.bookmaster).toEqual({ crm: ids.crm, omnistack: ids.omnistack });
}

describe('reconcile jobs through Redis against the real stores', () => {
  let fixture: PipelineFixture | undefined;

  afterEach(async () => {
    await fixture?.dispose();
    fixture = undefined;
  });

  it('(a) links a CRM user to same-email users in every other system, both ways, and records why', async () => {
    fixture = await createPipelineFixture();
    const ids = await seedUnlinkedPerson(fixture);
    const outcome = await fixture.reconcile({ platform: 'crm', id: ids.crm });
    expect(outcome).toMatchObject({ members: { crm: ids.crm, omnistack: ids.omnistack, bookmaster: ids.bookmaster }, writes: 3 });
    expectLinkedBothWays(await storedLinks(fixture, ids), ids);

    const { rows } = await fixture.ledger.connection.pool.query<{ platform: string; field: string; provenance: { rule: string; jobId: string; trigger: unknown } }>(
      'select platform, field, provenance from sync_writes order by platform, field',
    );
    expect(rows.map((row) => `${row.platform}.${row.field}`)).toEqual([
      'bookmaster.links.crm',
      'bookmaster.links.omnistack',
      'crm.links.bookmaster',
      'crm.links.omnistack',
      'omnistack.links.bookmaster',
      'omnistack.links.crm',
    ]);
    for (const row of rows) {
      expect(row.provenance).toEqual({ trigger: { type: 'command', via: 'cli' }, jobId: expect.stringMatching(/^\d+$/), rule: 'email-match' });
    }
    const { rows: missing } = await fixture.ledger.connection.pool.query("select platform from findings where kind = 'missing'");
    expect(missing).toEqual([]);
  });

  it('(b) repairs one missing link and touches nothing else', async () => {
    fixture = await createPipelineFixture();
    const ids = await seedUnlinkedPerson(fixture);
    await fixture.reconcile({ platform: 'crm', id: ids.crm });
    await fixture.bookmaster.query("update users set external_ids = external_ids - 'omnistack' where id = $1", [ids.bookmaster]);
    const crmBefore = await rawDocument(fixture.crm, 'User', ids.crm);
    const omnistackBefore = await rawDocument(fixture.omnistack, 'users', ids.omnistack);
    const mongoWrites = [countMongoWrites(fixture.crmConnection.client), countMongoWrites(fixture.omnistackConnection.client)];

    const outcome = await fixture.reconcile({ platform: 'omnistack', id: ids.omnistack });
    expect(outcome.writes).toBe(1);
    expect(mongoWrites.map((counter) => counter.count())).toEqual([0, 0]);
    expect(await rawDocument(fixture.crm, 'User', ids.crm)).toEqual(crmBefore);
    expect(await rawDocument(fixture.omnistack, 'users', ids.omnistack)).toEqual(omnistackBefore);
    expectLinkedBothWays(await storedLinks(fixture, ids), ids);
  });

  it.each(['newest', 'manual'] as const)('(c) two OmniStack users claiming one CRM user, policy %s', async (policy) => {
    fixture = await createPipelineFixture({ conflictPolicy: policy });
    const crm = await insertCrmUser(fixture.crm);
    const older = ObjectId.createFromTime(1_700_000_000).toHexString();
    const newer = ObjectId.createFromTime(1_700_000_100).toHexString();
    await insertOmnistackUser(fixture.omnistack, { id: older, externalIds: [`crm_${crm}`, 'stripe_cus_1'] });
    await insertOmnistackUser(fixture.omnistack, { id: newer, externalIds: [`crm_${crm}`] });
    const before = await Promise.all([rawDocument(fixture.crm, 'User', crm), rawDocument(fixture.omnistack, 'users', older)]);

    await fixture.reconcile({ platform: 'crm', id: crm });

    const { rows } = await fixture.ledger.connection.pool.query<{ platform: string; detail: { candidates: string[]; winner: string | null } }>(
      "select platform, detail from findings where kind = 'conflict'",
    );
    expect(rows).toEqual([{ platform: 'omnistack', detail: expect.objectContaining({ candidates: [older, newer].sort(), winner: policy === 'newest' ? newer : null }) }]);
    if (policy === 'newest') {
      expect((await rawDocument(fixture.crm, 'User', crm))?.externalIds).toEqual({ omnistack: newer });
      expect((await rawDocument(fixture.omnistack, 'users', older))?.external_ids).toEqual(['stripe_cus_1']);
      expect((await rawDocument(fixture.omnistack, 'users', newer))?.external_ids).toEqual([`crm_${crm}`]);
    } else {
      expect(await Promise.all([rawDocument(fixture.crm, 'User', crm), rawDocument(fixture.omnistack, 'users', older)])).toEqual(before);
      const { rowCount } = await fixture.ledger.connection.pool.query('select 1 from sync_writes');
      expect(rowCount).toBe(0);
    }
  });

  it('(d) reports a reference to a deleted record as an orphan and leaves it for cleanup', async () => {
    fixture = await createPipelineFixture();
    const crm = await insertCrmUser(fixture.crm, { externalIds: { bookmaster: 'bm_gone1' } });
    await fixture.reconcile({ platform: 'crm', id: crm });
    const { rows } = await fixture.ledger.connection.pool.query("select platform, record_id, detail from findings where kind = 'orphan'");
    expect(rows).toEqual([{ platform: 'crm', record_id: crm, detail: { recordId: crm, claimedPlatform: 'bookmaster', claimedId: 'bm_gone1' } }]);
    expect((await rawDocument(fixture.crm, 'User', crm))?.externalIds).toEqual({ bookmaster: 'bm_gone1' });
  });

  it('(e) reports each malformed id, copies none of them and completes the job', async () => {
    fixture = await createPipelineFixture();
    const email = uniqueEmail('malformed');
    const longJunk = `crm_${'a'.repeat(10_000)}`;
    const crm = await insertCrmUser(fixture.crm, { email, externalIds: { omnistack: { $ne: null }, bookmaster: 42 } });
    const omnistack = await insertOmnistackUser(fixture.omnistack, { email, externalIds: ['crm_zzz', longJunk] });
    const bookmaster = await insertBookmasterUser(fixture.bookmaster, { email, externalIds: { crm: 'crm_not-an-id' } });

    const outcome = await fixture.reconcile({ platform: 'crm', id: crm });
    const malformed = outcome.findings.filter((finding) => finding.kind === 'malformed-id');
    expect(malformed.map((finding) => `${finding.platform}:${finding.kind === 'malformed-id' ? finding.reason : ''}`).sort()).toEqual(
      ['bookmaster:bad-format', 'crm:not-a-string', 'crm:not-a-string', 'omnistack:bad-format', 'omnistack:too-long'].sort(),
    );
    expectLinkedBothWays(await storedLinks(fixture, { crm, omnistack, bookmaster }), { crm, omnistack, bookmaster });
    const { rows } = await fixture.ledger.connection.pool.query<{ text: string }>('select row_to_json(findings)::text as text from findings');
    expect(rows.some((row) => row.text.includes('zzz') || row.text.includes('aaaa') || row.text.includes('$ne'))).toBe(false);
  });

  it('(f) keeps foreign OmniStack entries and metadata exactly as they were', async () => {
    fixture = await createPipelineFixture();
    const email = uniqueEmail('foreign');
    const crm = await insertCrmUser(fixture.crm, { email });
    const omnistack = await insertOmnistackUser(fixture.omnistack, { email, externalIds: ['stripe_cus_1', 'legacy-42'], metadata: { team: 'ops', region: 'eu' } });
    await fixture.reconcile({ platform: 'omnistack', id: omnistack });
    const stored = await rawDocument(fixture.omnistack, 'users', omnistack);
    expect(stored?.external_ids).toEqual(['stripe_cus_1', 'legacy-42', `crm_${crm}`]);
    expect(stored?.metadata).toEqual({ team: 'ops', region: 'eu' });
  });

  it('(g) performs zero writes for a consistent person', async () => {
    fixture = await createPipelineFixture();
    const ids = await seedUnlinkedPerson(fixture);
    await fixture.reconcile({ platform: 'crm', id: ids.crm });
    const mongoWrites = [countMongoWrites(fixture.crmConnection.client), countMongoWrites(fixture.omnistackConnection.client)];
    const bookmasterQueriesBefore = fixture.bookmasterQueries.length;

    for (const key of [{ platform: 'crm', id: ids.crm }, { platform: 'omnistack', id: ids.omnistack }, { platform: 'bookmaster', id: ids.bookmaster }] as const) {
      expect((await fixture.reconcile(key)).writes).toBe(0);
    }
    expect(mongoWrites.map((counter) => counter.count())).toEqual([0, 0]);
    const bookmasterWrites = fixture.bookmasterQueries.slice(bookmasterQueriesBefore).filter((text) => /^\s*(update|insert|delete)/i.test(text));
    expect(bookmasterWrites).toEqual([]);
  });

  it('(h) converges when 20 jobs for one person start at once from different records, losing no write', async () => {
    fixture = await createPipelineFixture({ concurrency: 10 });
    const ids = await seedUnlinkedPerson(fixture);
    const starts = Array.from({ length: 20 }, (_, index) => {
      const platform = (['crm', 'omnistack', 'bookmaster'] as const)[index % 3] ?? 'crm';
      return { platform, id: ids[platform] };
    });
    const outcomes = await Promise.all(starts.map((key) => fixture?.reconcile(key)));
    expectLinkedBothWays(await storedLinks(fixture, ids), ids);
    // Every link is written exactly once across all 20 jobs: none lost, none written twice.
    expect(outcomes.reduce((total, outcome) => total + (outcome?.writes ?? 0), 0)).toBe(3);
    const { rows } = await fixture.ledger.connection.pool.query<{ count: string }>('select count(*) from sync_writes');
    expect(Number(rows[0]?.count)).toBe(6);
  });
});
