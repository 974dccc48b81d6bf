import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/jobs/audit-processor.ts';
import { createAuditFixture } from '../integration/audit/audit-fixture.ts';
import type { AuditFixture } from '../integration/audit/audit-fixture.ts';
import { seedPlanted } from '../integration/audit/planted.ts';
import type { PlantedSet } from '../integration/audit/planted.ts';
import { runIdsync } from '../support/idsync-process.ts';
import { newObjectId } from '../support/platform-seeders.ts';

describe('idsync status', () => {
  let fixture: AuditFixture;
  let planted: PlantedSet;

  beforeAll(async () => {
    fixture = await createAuditFixture({ reconcileWorkers: false });
    planted = await seedPlanted(fixture);
    await fixture.runJob<AuditReport>('audit', { trigger: { type: 'command', via: 'cli' }, reportOnly: true });
  });

  afterAll(async () => {
    await fixture.dispose();
  });

  it.each(['missingLink', 'conflict', 'mismatch', 'missing'] as const)('shows the same figures as the ledger row (%s)', async (planted_case) => {
    const userId = planted.crm[planted_case];
    const cli = runIdsync(['status', userId.toUpperCase(), '--json'], fixture.env);
    expect(await cli.exited).toBe(0);
    const { rows } = await fixture.ledger.connection.pool.query<{ user_id: string; platforms_in_sync: string[]; issues: unknown[]; last_check: Date; audit_run_id: string }>(
      'select user_id, platforms_in_sync, issues, last_check, audit_run_id from sync_status where user_id = $1',
      [userId],
    );
    const row = rows[0];
    expect(cli.logs.at(-1)).toEqual({
      userId: row?.user_id,
      platformsInSync: row?.platforms_in_sync,
      issues: row?.issues,
      lastCheck: row?.last_check.toISOString(),
      auditRunId: row?.audit_run_id,
    });
    expect(row?.issues.length).toBeGreaterThan(0);
  });

  it('prints text by default', async () => {
    const cli = runIdsync(['status', planted.consistentCrmIds[0] ?? ''], fixture.env);
    expect(await cli.exited).toBe(0);
    expect(cli.logs.at(0)?.raw).toContain('in sync on crm, omnistack, bookmaster; 0 issue(s)');
  });

  it.each(['omnistack', 'bookmaster'] as const)("answers for a consistent person from their %s record, whose links name the CRM user (the ledger has no row about it)", async (platform) => {
    const crmId = planted.consistentCrmIds[0] ?? '';
    const recordId = (await fixture.adapters.crm?.get(crmId))?.links[platform] ?? '';
    const { rowCount } = await fixture.ledger.connection.pool.query('select 1 from findings where record_id = $1 union all select 1 from sync_writes where record_id = $1', [recordId]);
    expect(rowCount).toBe(0);
    const cli = runIdsync(['status', `${platform}:${recordId}`, '--json'], fixture.env);
    expect(await cli.exited).toBe(0);
    expect(cli.logs.at(-1)).toMatchObject({ userId: crmId, platformsInSync: ['crm', 'omnistack', 'bookmaster'], issues: [] });
  });

  it('answers for a person from a record a finding was filed about, and takes crm:<id>', async () => {
    const byFinding = runIdsync(['status', `bookmaster:${(await fixture.adapters.crm?.get(planted.crm.malformed))?.links.bookmaster ?? ''}`, '--json'], fixture.env);
    expect(await byFinding.exited).toBe(0);
    expect(byFinding.logs.at(-1)).toMatchObject({ userId: planted.crm.malformed });
    const byKey = runIdsync(['status', `crm:${planted.crm.conflict}`, '--json'], fixture.env);
    expect(await byKey.exited).toBe(0);
    expect(byKey.logs.at(-1)).toMatchObject({ userId: planted.crm.conflict });
  });

  it('exits 1 with IDSYNC_ERR_NOT_FOUND for a record of no person any audit has seen', async () => {
    const cli = runIdsync(['status', `omnistack:${newObjectId()}`], fixture.env);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain('[IDSYNC_ERR_NOT_FOUND]');
  });

  it.each([
    ['an unknown platform', 'salesforce:65f0c0ffee0000000000beef', 'IDSYNC_ERR_UNKNOWN_PLATFORM'],
    ['a malformed id of a platform', 'omnistack:not-hex', 'IDSYNC_ERR_INVALID_ID'],
  ])('exits 2 for %s, before connecting', async (_case, target, code) => {
    const cli = runIdsync(['status', target], { ...fixture.env, LEDGER_DB_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain(`[${code}]`);
  });

  it('exits 1 with IDSYNC_ERR_NOT_FOUND for a person no audit has seen', async () => {
    const cli = runIdsync(['status', newObjectId()], fixture.env);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain('[IDSYNC_ERR_NOT_FOUND]');
  });

  it('exits 2 with IDSYNC_ERR_INVALID_ID for an id that is not a CRM id, before connecting', async () => {
    const cli = runIdsync(['status', '{"$ne":null}'], { ...fixture.env, LEDGER_DB_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain('[IDSYNC_ERR_INVALID_ID]');
  });
});
