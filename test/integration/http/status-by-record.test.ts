import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueRow } from '../../../src/audit/issue-rows.ts';
import { createSyncStatusStore } from '../../../src/ledger/sync-status.ts';
import { createHttpFixture } from '../../support/http-fixture.ts';
import type { HttpFixture } from '../../support/http-fixture.ts';
import { newBookmasterId, newObjectId } from '../../support/platform-seeders.ts';

interface ErrorAnswer {
  code: string;
  issues?: Array<{ field: string; code?: string }>;
}

const context = { trigger: { type: 'command', via: 'api' }, runId: 'audit-test' } as const;

/**
 * GET /api/status/:platform/:id on a ledger of this file's own, filled by the ledger's own writers:
 * the person is found through the findings and writes filed about the record (this server has no
 * adapters, so the ledger alone answers).
 */
describe('GET /api/status/:platform/:id', () => {
  let fixture: HttpFixture;
  const [withFinding, withWrite, unchecked] = [newObjectId(), newObjectId(), newObjectId()];
  const omnistackId = newObjectId();
  const bookmasterId = newBookmasterId();

  beforeAll(async () => {
    fixture = await createHttpFixture();
    const pool = fixture.ledger.connection.pool;
    await pool.query("insert into audit_runs (id, kind, trigger, status) values ('audit-test', 'audit', '{}', 'completed')");
    await createSyncStatusStore(pool).upsert(
      { lastCheck: new Date(), auditRunId: 'audit-test' },
      [withFinding, withWrite].map((userId) => ({ userId, platformsInSync: ['crm'], issues: [] })),
    );
    const orphan = { kind: 'orphan', platform: 'omnistack', recordId: omnistackId, claimedPlatform: 'crm', claimedId: newObjectId() } as const;
    await fixture.ledger.ledger.recordOutcome([], [issueRow(`crm:${withFinding}`, orphan, context)]);
    const write = { personKey: `crm:${withWrite}`, platform: 'bookmaster', recordId: bookmasterId, field: 'externalIds.crm', before: null, after: withWrite, provenance: { trigger: context.trigger, jobId: 'j1', rule: 'id-claim' } };
    await fixture.ledger.ledger.recordOutcome([write], []);
  });

  afterAll(async () => {
    await fixture?.dispose();
  });

  it.each([
    ['a record a finding was filed about', () => `/api/status/omnistack/${omnistackId.toUpperCase()}`, () => withFinding],
    ['a record idsync wrote to', () => `/api/status/bookmaster/${bookmasterId}`, () => withWrite],
    ['a CRM record', () => `/api/status/crm/${withFinding}`, () => withFinding],
    ['a bare CRM id, on the old path', () => `/api/status/${withWrite}`, () => withWrite],
  ])("answers the person's status for %s", async (_case, path, userId) => {
    const answer = await fixture.request('GET', path());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ userId: userId(), platformsInSync: ['crm'], auditRunId: 'audit-test' });
  });

  it.each([
    ['a CRM user no audit has checked', () => `/api/status/crm/${unchecked}`],
    ['a record the ledger has never seen', () => `/api/status/omnistack/${newObjectId()}`],
    ['a Supabase user the ledger has never seen', () => '/api/status/supabase/7f1c2a9e-3b4d-4e5f-8a6b-1c2d3e4f5a6b'],
  ])('answers 404 IDSYNC_ERR_NOT_FOUND for %s', async (_case, path) => {
    const answer = await fixture.request('GET', path());
    expect(answer.status).toBe(404);
    expect((answer.body as ErrorAnswer).code).toBe('IDSYNC_ERR_NOT_FOUND');
  });

  it.each([
    ['an unknown platform', '/api/status/salesforce/abc', 'platform', undefined],
    ['a platform in the wrong case', `/api/status/CRM/${newObjectId()}`, 'platform', undefined],
    ['a malformed id', '/api/status/omnistack/not-hex', 'id', 'IDSYNC_ERR_INVALID_ID'],
    ['an operator object for the id', `/api/status/crm/${encodeURIComponent('{"$ne":null}')}`, 'id', 'IDSYNC_ERR_INVALID_ID'],
    ['a prefixed id', `/api/status/crm/crm_${newObjectId()}`, 'id', 'IDSYNC_ERR_INVALID_ID'],
  ])('answers 400 IDSYNC_ERR_INVALID_REQUEST naming the parameter for %s', async (_case, path, field, code) => {
    const answer = await fixture.request('GET', path);
    expect(answer.status).toBe(400);
    const error = answer.body as ErrorAnswer;
    expect(error.code).toBe('IDSYNC_ERR_INVALID_REQUEST');
    expect(error.issues?.[0]?.field).toBe(field);
    if (code) expect(error.issues?.[0]?.code).toBe(code);
  });
});
