import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSyncStatusStore } from '../../src/ledger/sync-status.ts';
import type { PersonSyncStatus } from '../../src/ledger/sync-status.ts';
import { createLedgerFixture } from '../support/ledger-fixture.ts';
import type { LedgerFixture } from '../support/ledger-fixture.ts';

/*
 * The store sends a batch as one array per column, each row's platforms as one string and its
 * issues as JSON text: every row reads back as it was given, an empty list and issues holding the
 * characters an array literal or JSON escapes included.
 */

const [first, second, third] = ['65f0c0ffee0000000000a001', '65f0c0ffee0000000000a002', '65f0c0ffee0000000000a003'];

describe('sync_status store', () => {
  let fixture: LedgerFixture;

  beforeEach(async () => {
    fixture = await createLedgerFixture();
    await fixture.connection.pool.query("insert into audit_runs (id, kind, trigger, status) values ('run-1', 'audit', '{}', 'running'), ('run-2', 'audit', '{}', 'running')");
  });

  afterEach(async () => {
    await fixture.dispose();
  });

  it('reads back every row as upserted, in batches smaller than the rows; a second run replaces them, the same run again does not', async () => {
    const store = createSyncStatusStore(fixture.connection.pool);
    const rows: PersonSyncStatus[] = [
      { userId: first, platformsInSync: ['crm', 'omnistack', 'supabase', 'bookmaster'], issues: [] },
      { userId: second, platformsInSync: [], issues: [{ kind: 'conflict', detail: 'a "quoted", {braced} \\ back\u00e9' }] },
      { userId: third, platformsInSync: ['crm'], issues: [{ kind: 'missing', platform: 'bookmaster' }, { kind: 'orphan', ids: ['x,y'] }] },
    ];
    const checked = new Date('2026-12-01T10:00:00.000Z');
    await store.upsert({ lastCheck: checked, auditRunId: 'run-1' }, rows, { chunkSize: 2 });

    for (const row of rows) expect(await store.get(row.userId)).toEqual({ ...row, lastCheck: checked, auditRunId: 'run-1' });

    const later = new Date('2026-12-02T10:00:00.000Z');
    await store.upsert({ lastCheck: later, auditRunId: 'run-2' }, [{ userId: second, platformsInSync: ['crm'], issues: [] }]);
    expect(await store.get(second)).toEqual({ userId: second, platformsInSync: ['crm'], issues: [], lastCheck: later, auditRunId: 'run-2' });
    // The same run again: the row it wrote stays as it was.
    await store.upsert({ lastCheck: later, auditRunId: 'run-2' }, [{ userId: second, platformsInSync: [], issues: [{ kind: 'missing' }] }]);
    expect(await store.get(second)).toEqual({ userId: second, platformsInSync: ['crm'], issues: [], lastCheck: later, auditRunId: 'run-2' });
    expect(await store.removeUnchecked(later)).toBe(2);
    expect(await store.get(first)).toBeNull();
  });

  it('refuses a run that does not exist and writes nothing of the batch', async () => {
    const store = createSyncStatusStore(fixture.connection.pool);
    const rows = [{ userId: first, platformsInSync: ['crm'] as const, issues: [] }];

    // foreign_key_violation: a status names the audit run that wrote it.
    await expect(store.upsert({ lastCheck: new Date(), auditRunId: 'no-such-run' }, rows)).rejects.toMatchObject({ code: '23503' });

    expect(await store.get(first)).toBeNull();
  });
});
