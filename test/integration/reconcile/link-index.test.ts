import { afterEach, describe, expect, it } from 'vitest';
import { buildLinkIndex } from '../../../src/link-index/build-link-index.ts';
import { createPipelineFixture } from '../../support/pipeline-fixture.ts';
import type { PipelineFixture } from '../../support/pipeline-fixture.ts';
import { insertBookmasterUser, insertCrmUser, insertOmnistackUser, newObjectId, rawBookmasterRow, rawDocument, uniqueEmail } from '../../support/platform-seeders.ts';

/*
 * The link index in idsync's own database answers "who claims this record" and "who has this
 * email", so that reconcile reads the systems by primary key only. These tests use the real
 * stores and the real index; the records are never indexed by hand but by reconciles and builds.
 */

interface IndexRow {
  platform: string;
  record_id: string;
  claims: string[];
  email_hash: Buffer | null;
}

async function indexRows(fixture: PipelineFixture): Promise<IndexRow[]> {
  const { rows } = await fixture.ledger.connection.pool.query<IndexRow>('select platform, record_id, claims, email_hash from link_index order by platform, record_id');
  return rows;
}

describe('the link index', () => {
  let fixture: PipelineFixture | undefined;

  afterEach(async () => {
    await fixture?.dispose();
    fixture = undefined;
  });

  it('links a record that claimed X before X existed, through the index, when X is created', async () => {
    fixture = await createPipelineFixture();
    const crm = newObjectId();
    const omnistack = await insertOmnistackUser(fixture.omnistack, { email: uniqueEmail('early'), externalIds: [`crm_${crm}`] });
    // The OmniStack user's own reconcile (its insert event) finds the CRM user absent and indexes the claim.
    const early = await fixture.reconcile({ platform: 'omnistack', id: omnistack }, { index: false });
    expect(early.findings).toContainEqual(expect.objectContaining({ kind: 'orphan', claimedPlatform: 'crm', claimedId: crm }));
    expect(await indexRows(fixture)).toEqual([expect.objectContaining({ platform: 'omnistack', record_id: omnistack, claims: [`crm:${crm}`] })]);

    // X is created with another email and no links: nothing but the index can say who claims it.
    await insertCrmUser(fixture.crm, { id: crm, email: uniqueEmail('late') });
    const outcome = await fixture.reconcile({ platform: 'crm', id: crm }, { index: false });

    expect(outcome.members).toEqual({ crm, omnistack });
    expect((await rawDocument(fixture.crm, 'User', crm))?.externalIds).toEqual({ omnistack });
    expect(await indexRows(fixture)).toEqual([
      expect.objectContaining({ platform: 'crm', record_id: crm, claims: [`omnistack:${omnistack}`] }),
      expect.objectContaining({ platform: 'omnistack', record_id: omnistack, claims: [`crm:${crm}`] }),
    ]);
  });

  it('finds a same-email record only once it is indexed, and keeps a hash, never the address', async () => {
    fixture = await createPipelineFixture();
    const email = uniqueEmail('twin');
    const crm = await insertCrmUser(fixture.crm, { email });
    const bookmaster = await insertBookmasterUser(fixture.bookmaster, { email });

    // The Bookmaster user has had no event yet: a reconcile of the CRM user cannot know of it.
    const before = await fixture.reconcile({ platform: 'crm', id: crm }, { index: false });
    expect(before.members).toEqual({ crm });
    expect((await rawBookmasterRow(fixture.bookmaster, bookmaster))?.external_ids).toEqual({});

    // Its own event's reconcile indexes it and, the CRM user being indexed already, links both.
    const after = await fixture.reconcile({ platform: 'bookmaster', id: bookmaster }, { index: false });
    expect(after.members).toEqual({ crm, bookmaster });
    expect((await rawBookmasterRow(fixture.bookmaster, bookmaster))?.external_ids).toEqual({ crm });

    const rows = await indexRows(fixture);
    expect(rows.map((row) => row.email_hash?.length)).toEqual([32, 32]);
    const stored = JSON.stringify(await fixture.ledger.connection.pool.query('select * from link_index'));
    expect(stored).not.toContain(email);
  });

  it('is written by a reconcile only where it differs from what the reconcile read: a consistent person costs look-ups alone', async () => {
    fixture = await createPipelineFixture();
    const email = uniqueEmail('settled');
    const crm = await insertCrmUser(fixture.crm, { email });
    const bookmaster = await insertBookmasterUser(fixture.bookmaster, { email });
    await fixture.reconcile({ platform: 'bookmaster', id: bookmaster });
    const linked = await fixture.reconcile({ platform: 'crm', id: crm }, { index: false });
    expect(linked.members).toEqual({ crm, bookmaster });
    const writesOf = (queries: readonly string[]) => queries.filter((text) => /insert into link_index/.test(text)).length;

    // The echo of the link: every row the reconcile reads is held as read.
    fixture.ledgerQueries.length = 0;
    const echo = await fixture.reconcile({ platform: 'bookmaster', id: bookmaster }, { index: false });
    expect(echo).toMatchObject({ members: { crm, bookmaster }, writes: 0 });
    expect(fixture.ledgerQueries.length).toBeGreaterThan(0);
    expect(writesOf(fixture.ledgerQueries)).toBe(0);

    // A changed email is news: the row is written before anything is looked up, then settled.
    const before = (await indexRows(fixture)).find((row) => row.record_id === bookmaster)?.email_hash;
    await fixture.bookmaster.query('update users set email = $1 where id = $2', [uniqueEmail('moved'), bookmaster]);
    fixture.ledgerQueries.length = 0;
    await fixture.reconcile({ platform: 'bookmaster', id: bookmaster }, { index: false });
    expect(writesOf(fixture.ledgerQueries)).toBe(2);
    const after = (await indexRows(fixture)).find((row) => row.record_id === bookmaster)?.email_hash;
    expect(after).toBeInstanceOf(Buffer);
    expect(after?.equals(before as Buffer)).toBe(false);
  });

  it("asks for the email matches' claimers as it reads them: one look-up for any number of matches", async () => {
    fixture = await createPipelineFixture();
    const email = uniqueEmail('matches');
    const crm = await insertCrmUser(fixture.crm, { email });
    const omnistack = await insertOmnistackUser(fixture.omnistack, { email });
    const bookmaster = await insertBookmasterUser(fixture.bookmaster, { email });
    await fixture.indexStores();
    fixture.ledgerQueries.length = 0;

    const linked = await fixture.reconcile({ platform: 'crm', id: crm }, { index: false });

    expect(linked).toMatchObject({ members: { crm, omnistack, bookmaster }, writes: 3 });
    const count = (pattern: RegExp) => fixture?.ledgerQueries.filter((text) => pattern.test(text)).length;
    // The origin's claimers, then both matches' with their reads: one per round, not one per match.
    expect(count(/claims && /)).toBe(2);
    expect(count(/email_hash = any/)).toBe(1);
  });

  it('keeps every row when several builds run at once', async () => {
    fixture = await createPipelineFixture();
    const email = uniqueEmail('builds');
    const keys = [`crm:${await insertCrmUser(fixture.crm, { email })}`, `omnistack:${await insertOmnistackUser(fixture.omnistack, { email })}`];
    await fixture.indexStores();
    const { pool } = fixture.ledger.connection;
    const { adapters, platforms } = fixture;

    const builds = await Promise.all(Array.from({ length: 5 }, () => buildLinkIndex(pool, adapters, platforms)));

    expect(builds).toEqual(Array.from({ length: 5 }, () => ({ records: 2 })));
    expect((await indexRows(fixture)).map((row) => `${row.platform}:${row.record_id}`)).toEqual(keys);
  });
});
