import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../jobs/audit-processor.ts';
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
