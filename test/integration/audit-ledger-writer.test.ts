import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditIssue, PersonEvaluation } from '../../src/audit/audit-model.ts';
import type { Platform } from '../../src/ids/index.ts';
import { AuditLedgerWriter } from '../../src/jobs/audit-ledger-writer.ts';
import { createSyncStatusStore } from '../../src/ledger/sync-status.ts';
import { createLedgerFixture } from '../support/ledger-fixture.ts';
import type { LedgerFixture } from '../support/ledger-fixture.ts';

/*
 * gather is asymmetric, so two people of one audit can have the same CRM user: the first one's
 * status is the one kept, whether the second comes in the same batch or a later one.
 */

const [userA, userB, userC] = ['65f0c0ffee0000000000b001', '65f0c0ffee0000000000b002', '65f0c0ffee0000000000b003'];
const RUN = 'audit-writer-test';

function person(userId: string, platformsInSync: Platform[], issues: AuditIssue[] = []): PersonEvaluation {
  const origin = { platform: 'crm', id: userId } as const;
  return { personKey: `crm:${userId}`, userId, origin, members: { crm: userId }, records: [], patches: [], issues, platformsInSync };
}

describe('the audit ledger writer', () => {
  let fixture: LedgerFixture;

  beforeEach(async () => {
    fixture = await createLedgerFixture();
    await fixture.connection.pool.query("insert into audit_runs (id, kind, trigger, status) values ($1, 'audit', '{}', 'running')", [RUN]);
  });

  afterEach(async () => {
    await fixture.dispose();
  });

  it("keeps the first person's status of a user found twice, in one batch or across batches", async () => {
    const statuses = createSyncStatusStore(fixture.connection.pool);
    const writer = new AuditLedgerWriter(statuses, fixture.ledger, { runId: RUN, trigger: { type: 'command', via: 'cli' }, checkedAt: new Date(), batchSize: 3 });
    const missing: AuditIssue = { kind: 'missing', platform: 'bookmaster' };

    // Statuses in batches of three: A, B, C, A's second left out by the writer (same batch); then
    // A and C again, held back by the store (a later batch). Each later one says something else.
    const people = [person(userA, ['crm']), person(userB, ['crm']), person(userA, [], [missing]), person(userC, ['crm'])];
    people.push(person(userA, ['crm', 'bookmaster']), person(userC, [], [missing]));
    for (const next of people) await writer.add(next);
    await writer.finish();

    for (const userId of [userA, userB, userC]) {
      expect(await statuses.get(userId)).toMatchObject({ userId, platformsInSync: ['crm'], issues: [], auditRunId: RUN });
    }
  });
});
