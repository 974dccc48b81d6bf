import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../../src/jobs/audit-processor.ts';
import type { PersonEvaluation } from '../../../src/audit/audit-model.ts';
import { runAuditPass } from '../../../src/audit/audit-pass.ts';
import { plannedWrites } from '../../../src/audit/planned-writes.ts';
import { createAuditFixture } from './audit-fixture.ts';
import type { AuditFixture } from './audit-fixture.ts';
import { issueSignature, seedPlanted } from './planted.ts';
import type { ExpectedIssue, PlantedSet } from './planted.ts';

async function findingsOf(fixture: AuditFixture, runId: string): Promise<string[]> {
  const { rows } = await fixture.ledger.connection.pool.query<{ kind: string; person_key: string; platform: string; record_id: string | null; detail: Record<string, unknown> }>(
    'select kind, person_key, platform, record_id, detail from findings where audit_run_id = $1',
    [runId],
  );
  return rows.map((row) => issueSignature({ kind: row.kind, personKey: row.person_key, platform: row.platform, recordId: row.record_id, detail: row.detail })).sort();
}

const signatures = (issues: readonly ExpectedIssue[]) => issues.map(issueSignature).sort();

async function sortedWrites(fixture: AuditFixture): Promise<string[]> {
  const { rows } = await fixture.ledger.connection.pool.query<{ platform: string; record_id: string; field: string; before_value: unknown; after_value: unknown }>(
    'select platform, record_id, field, before_value, after_value from sync_writes',
  );
  return rows.map((row) => JSON.stringify([row.platform, row.record_id, row.field, row.before_value, row.after_value])).sort();
}

describe('audit on a planted data set', () => {
  let fixture: AuditFixture;
  let planted: PlantedSet;

  beforeEach(async () => {
    fixture = await createAuditFixture();
    planted = await seedPlanted(fixture);
  });

  afterEach(async () => {
    await fixture.dispose();
  });

  it('counts a person with no record on an optional system as consistent (REQUIRED_PLATFORMS)', async () => {
    await fixture.dispose();
    fixture = await createAuditFixture({ env: { REQUIRED_PLATFORMS: 'crm,omnistack' } });
    planted = await seedPlanted(fixture);
    const report = await fixture.runJob<AuditReport>('audit', { trigger: { type: 'command', via: 'cli' }, reportOnly: true });
    const optionalMissing = planted.before.filter((issue) => issue.kind === 'missing' && issue.platform === 'bookmaster');
    expect(optionalMissing).toHaveLength(2);
    const expected = planted.before.filter((issue) => !optionalMissing.includes(issue));
    expect(await findingsOf(fixture, report.runId)).toEqual(signatures(expected));
    // The person planted as missing only from Bookmaster has nothing else: now consistent.
    expect(report).toMatchObject({ inconsistent: 6, issues: { missing: 0 } });
    const { rows } = await fixture.ledger.connection.pool.query<{ issues: unknown[] }>('select issues from sync_status where user_id = $1', [planted.crm.missing]);
    expect(rows).toEqual([{ issues: [] }]);
  });

  it('reports exactly the planted inconsistencies, and only report-only enqueues nothing', async () => {
    const report = await fixture.runJob<AuditReport>('audit', { trigger: { type: 'command', via: 'cli' }, reportOnly: true });
    expect(await findingsOf(fixture, report.runId)).toEqual(signatures(planted.before));
    expect(report).toMatchObject({
      people: planted.consistentCrmIds.length + 7,
      inconsistent: 7,
      issues: { conflict: 1, orphan: 2, 'malformed-id': 1, missing: 2, 'missing-link': 2, 'supabase-id-mismatch': 1, oversized: 0 },
      enqueued: 0,
    });
    expect(await fixture.queues.byName.reconcile.count()).toBe(0);
    const { rows } = await fixture.ledger.connection.pool.query('select status, counts from audit_runs where id = $1', [report.runId]);
    expect(rows).toEqual([{ status: 'completed', counts: JSON.parse(JSON.stringify(report)) }]);
  });

  it('records each person\'s sync status under their CRM id', async () => {
    const report = await fixture.runJob<AuditReport>('audit', { trigger: { type: 'command', via: 'cli' }, reportOnly: true });
    const { rows } = await fixture.ledger.connection.pool.query<{ user_id: string; platforms_in_sync: string[]; issues: Array<{ kind: string }>; audit_run_id: string }>(
      'select user_id, platforms_in_sync, issues, audit_run_id from sync_status',
    );
    const byUser = new Map(rows.map((row) => [row.user_id, row]));
    expect(rows).toHaveLength(planted.consistentCrmIds.length + 7);
    for (const id of planted.consistentCrmIds) {
      expect(byUser.get(id)).toEqual({ user_id: id, platforms_in_sync: ['crm', 'omnistack', 'bookmaster'], issues: [], audit_run_id: report.runId });
    }
    expect(byUser.get(planted.crm.missingLink)?.platforms_in_sync).toEqual(['bookmaster']);
    expect(byUser.get(planted.crm.missing)?.issues.map((issue) => issue.kind)).toEqual(['missing']);
    expect(byUser.get(planted.crm.missing)?.platforms_in_sync).toEqual(['crm', 'omnistack']);
  });

  it('repairs what reconcile can, writing exactly the planned writes; a second audit reports only the rest', async () => {
    const planned = plannedWrites([...(await runAuditPass(fixture.adapters, { platforms: fixture.config.platforms })).people()])
      .map((write) => JSON.stringify([write.platform, write.recordId, write.field, write.before, write.after]))
      .sort();
    // P2: two links added; P3: the CRM's link replaced and the loser's removed; P4: the orphan
    // dropped beside the CRM link; P5: the junk replaced by the CRM link.
    expect(planned).toHaveLength(6);
    const repair = await fixture.runJob<AuditReport>('audit', { trigger: { type: 'schedule', scheduler: 'audit' } });
    expect(repair.enqueued).toBe(4);
    await fixture.reconcilesDrained();
    expect(await sortedWrites(fixture)).toEqual(planned);

    const second = await fixture.runJob<AuditReport>('audit', { trigger: { type: 'command', via: 'cli' }, reportOnly: true });
    expect(await findingsOf(fixture, second.runId)).toEqual(signatures(planted.after));
    expect(second.plannedWrites).toBe(0);
  });

  it('plans the same without snapshots, and a record read without one refuses a write (IDSYNC_ERR_INVALID_SNAPSHOT)', async () => {
    const options = { platforms: fixture.config.platforms };
    const outline = (people: readonly PersonEvaluation[]) => people.map((person) => ({ personKey: person.personKey, issues: person.issues, writes: plannedWrites([person]) }));
    const kept = [...(await runAuditPass(fixture.adapters, options)).people()];
    const dropped = [...(await runAuditPass(fixture.adapters, { ...options, keepSnapshots: false })).people()];
    expect(outline(dropped)).toEqual(outline(kept));
    expect(dropped.flatMap((person) => person.records).map((record) => record.snapshot)).toEqual(dropped.flatMap((person) => person.records).map(() => null));

    const patch = dropped.flatMap((person) => person.patches)[0];
    if (patch === undefined) throw new Error('the planted set plans writes');
    const adapter = fixture.adapters[patch.record.platform];
    await expect(adapter?.writeLinks(patch.record, { set: patch.set, unset: patch.unset })).rejects.toMatchObject({ code: 'IDSYNC_ERR_INVALID_SNAPSHOT' });
    expect(outline([...(await runAuditPass(fixture.adapters, options)).people()])).toEqual(outline(kept));
  });

  it('rebuilds the link index from its scan: the row of a record deleted since the last audit goes, every other stays', async () => {
    const indexed = async () =>
      (await fixture.ledger.connection.pool.query<{ key: string }>(`select platform || ':' || record_id as key from link_index order by 1`)).rows.map((row) => row.key);
    await fixture.runJob<AuditReport>('audit', { trigger: { type: 'command', via: 'cli' }, reportOnly: true });
    const before = await indexed();
    const gone = await fixture.omnistack.collection('users').findOne({});
    await fixture.omnistack.collection('users').deleteOne({ _id: gone?._id });

    await fixture.runJob<AuditReport>('audit', { trigger: { type: 'command', via: 'cli' }, reportOnly: true });

    const goneKey = `omnistack:${String(gone?._id)}`;
    expect(before).toContain(goneKey);
    expect(await indexed()).toEqual(before.filter((key) => key !== goneKey));
  });
});
