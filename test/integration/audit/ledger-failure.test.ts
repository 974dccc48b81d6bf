import type { Job } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditProcessor } from '../../../src/jobs/audit-processor.ts';
import { newRunId } from '../../../src/queues/run-id.ts';
import { createAuditFixture } from './audit-fixture.ts';
import type { AuditFixture } from './audit-fixture.ts';
import { seedPlanted } from './planted.ts';

const BATCH_SIZE = 50;

function auditJob(): Job {
  return { id: newRunId('audit'), name: 'audit', data: { trigger: { type: 'command', via: 'cli' }, reportOnly: true }, updateProgress: async () => undefined } as unknown as Job;
}

/*
 * The audit sends each batch of statuses to the ledger without waiting and plans on; the batch's
 * outcome is awaited when the next one goes. A batch the ledger refuses must fail the audit with
 * the ledger's own error, not vanish or surface as an unhandled rejection.
 */
describe('an audit whose ledger refuses a batch', () => {
  let fixture: AuditFixture;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);

  beforeEach(async () => {
    fixture = await createAuditFixture({ workers: false });
    await seedPlanted(fixture, 200);
    process.on('unhandledRejection', onUnhandled);
  });

  afterEach(async () => {
    process.off('unhandledRejection', onUnhandled);
    await fixture.dispose();
  });

  it('fails with the ledger error, and no rejection goes unhandled', async () => {
    // A real refusal from Postgres: the table the statuses go to is gone (42P01, undefined_table).
    await fixture.ledger.connection.pool.query('drop table sync_status');
    const audit = createAuditProcessor(fixture.deps, { ...fixture.config, maintenance: { batchSize: BATCH_SIZE } });

    await expect(audit(auditJob())).rejects.toMatchObject({ code: '42P01' });
    const { rows } = await fixture.ledger.connection.pool.query<{ status: string }>("select status from audit_runs where kind = 'audit'");
    expect(rows).toEqual([{ status: 'failed' }]);
    expect(unhandled).toEqual([]);
  });
});
