import { afterEach, describe, expect, it } from 'vitest';
import { createPipelineFixture } from '../../support/pipeline-fixture.ts';
import type { PipelineFixture } from '../../support/pipeline-fixture.ts';
import { insertBookmasterUser, insertCrmUser, insertOmnistackUser, rawBookmasterRow, uniqueEmail } from '../../support/platform-seeders.ts';
import { waitFor } from '../../support/wait-for.ts';

/*
 * A change event's job (the 'changed' lane) ends after one read when its record reads exactly as
 * the last completed reconcile left it: the echo of idsync's own write, or an edit of a field no
 * plan reads. Every other lane gathers and plans whatever the record holds. Real stores, real
 * index, real queue.
 */

async function linkedPerson(fixture: PipelineFixture): Promise<{ crm: string; omnistack: string; bookmaster: string }> {
  const email = uniqueEmail('settled');
  const crm = await insertCrmUser(fixture.crm, { email });
  const omnistack = await insertOmnistackUser(fixture.omnistack, { email });
  const bookmaster = await insertBookmasterUser(fixture.bookmaster, { email });
  const linked = await fixture.reconcile({ platform: 'crm', id: crm });
  expect(linked).toMatchObject({ members: { crm, omnistack, bookmaster }, writes: 3 });
  return { crm, omnistack, bookmaster };
}

describe('a record that reads as settled', () => {
  let fixture: PipelineFixture | undefined;

  afterEach(async () => {
    await fixture?.dispose();
    fixture = undefined;
  });

  it('ends a change job after one read of the record and one index look-up: the echo of a link, and an edit of another field', async () => {
    fixture = await createPipelineFixture();
    const { crm, omnistack, bookmaster } = await linkedPerson(fixture);
    fixture.ledgerQueries.length = 0;
    fixture.bookmasterQueries.length = 0;

    const echo = await fixture.reconcile({ platform: 'bookmaster', id: bookmaster }, { index: false, lane: 'changed' });

    expect(echo).toMatchObject({ settled: true, writes: 0, members: {} });
    expect([fixture.ledgerQueries.length, fixture.bookmasterQueries.length]).toEqual([1, 1]);

    await fixture.bookmaster.query('update users set full_name = $1 where id = $2', ['Renamed Person', bookmaster]);
    expect(await fixture.reconcile({ platform: 'bookmaster', id: bookmaster }, { index: false, lane: 'changed' })).toMatchObject({ settled: true });
    // Each record idsync wrote reads back as settled: what the index stored as written is what its system holds.
    for (const key of [{ platform: 'crm' as const, id: crm }, { platform: 'omnistack' as const, id: omnistack }]) {
      expect(await fixture.reconcile(key, { index: false, lane: 'changed' })).toMatchObject({ settled: true });
    }
  });

  it('is so before idsync writes it: a write held back by a row lock finds its row settled as the write will leave it', async () => {
    const pipeline = await createPipelineFixture();
    fixture = pipeline;
    const email = uniqueEmail('ahead');
    const crm = await insertCrmUser(pipeline.crm, { email });
    const bookmaster = await insertBookmasterUser(pipeline.bookmaster, { email });
    const settledOf = async () => {
      const { rows } = await pipeline.ledger.connection.pool.query<{ settled: string | null }>(
        `select settled from link_index where platform = 'bookmaster' and record_id = $1`,
        [bookmaster],
      );
      return rows[0]?.settled ?? undefined;
    };
    const holder = await pipeline.bookmaster.connect();
    let reconciled: ReturnType<PipelineFixture['reconcile']> | undefined;
    try {
      await holder.query('begin');
      await holder.query('select 1 from users where id = $1 for update', [bookmaster]);
      reconciled = pipeline.reconcile({ platform: 'crm', id: crm });
      const ahead = await waitFor('the held-back record settled ahead of its write', settledOf);
      await holder.query('commit');
      expect(await reconciled).toMatchObject({ members: { crm, bookmaster }, writes: 2 });
      // The write left the record as it was settled: its change event is an echo.
      expect(await settledOf()).toBe(ahead);
      expect(await pipeline.reconcile({ platform: 'bookmaster', id: bookmaster }, { index: false, lane: 'changed' })).toMatchObject({ settled: true });
    } finally {
      await holder.query('rollback').catch(() => undefined);
      holder.release();
      await reconciled?.catch(() => undefined);
    }
  });

  it('is reconciled in full once a link field changed, and settled again after', async () => {
    fixture = await createPipelineFixture();
    const { crm, omnistack, bookmaster } = await linkedPerson(fixture);
    await fixture.bookmaster.query(`update users set external_ids = '{}'::jsonb where id = $1`, [bookmaster]);

    const repaired = await fixture.reconcile({ platform: 'bookmaster', id: bookmaster }, { index: false, lane: 'changed' });

    expect(repaired).toMatchObject({ members: { crm, omnistack, bookmaster }, writes: 1 });
    expect(repaired.settled).toBeUndefined();
    expect((await rawBookmasterRow(fixture.bookmaster, bookmaster))?.external_ids).toEqual({ crm, omnistack });
    expect(await fixture.reconcile({ platform: 'bookmaster', id: bookmaster }, { index: false, lane: 'changed' })).toMatchObject({ settled: true });
  });

  it('is never the end of a job in the other lanes: a claimer of a deleted record is reconciled though its own record did not change', async () => {
    fixture = await createPipelineFixture();
    const email = uniqueEmail('claimer');
    const crm = await insertCrmUser(fixture.crm, { email });
    const omnistack = await insertOmnistackUser(fixture.omnistack, { email });
    expect(await fixture.reconcile({ platform: 'crm', id: crm })).toMatchObject({ members: { crm, omnistack } });
    await fixture.omnistack.collection('users').deleteOne({ email });

    // The CRM user still reads as settled, which is why the watchers enqueue claimers in the live lane.
    expect(await fixture.reconcile({ platform: 'crm', id: crm }, { index: false, lane: 'changed' })).toMatchObject({ settled: true });
    const cleaned = await fixture.reconcile({ platform: 'crm', id: crm }, { index: false, lane: 'live' });

    expect(cleaned).toMatchObject({ members: { crm } });
    expect(cleaned.settled).toBeUndefined();
    expect(cleaned.findings).toContainEqual(expect.objectContaining({ kind: 'orphan', platform: 'crm', recordId: crm, claimedPlatform: 'omnistack', claimedId: omnistack }));
  });
});
