import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueRow } from '../../../src/audit/issue-rows.ts';
import type { AuditIssue } from '../../../src/audit/audit-model.ts';
import { findingsAnswer } from '../../../src/http/response-schemas.ts';
import { createHttpFixture } from '../../support/http-fixture.ts';
import type { HttpFixture } from '../../support/http-fixture.ts';
import { newObjectId } from '../../support/platform-seeders.ts';

interface ErrorAnswer {
  code: string;
  issues?: Array<{ field: string; message: string }>;
}

interface Page {
  findings: Array<{ personKey: string; crmUserId: string | null; platform: string; kind: string; rule: string; lastSeenAt: string; recordId: string | null }>;
  nextOffset: number | null;
}

const context = { trigger: { type: 'command', via: 'api' }, runId: 'audit-test' } as const;

/**
 * GET /api/findings against a ledger database of this file's own, its findings written by the
 * ledger's own writer (the rows an audit records), one statement each so every one is newer.
 */
describe('GET /api/findings', () => {
  let fixture: HttpFixture;
  const crm = [newObjectId(), newObjectId(), newObjectId()];
  const omnistackId = newObjectId();
  const issues: Array<[string, AuditIssue]> = [
    [crm[0] ?? '', { kind: 'missing', platform: 'bookmaster' }],
    [crm[1] ?? '', { kind: 'conflict', platform: 'omnistack', candidates: [omnistackId, newObjectId()], winner: omnistackId, policy: 'newest' }],
    [crm[2] ?? '', { kind: 'orphan', platform: 'crm', recordId: crm[2] ?? '', claimedPlatform: 'omnistack', claimedId: newObjectId() }],
  ];

  beforeAll(async () => {
    fixture = await createHttpFixture();
    await fixture.ledger.connection.pool.query("insert into audit_runs (id, kind, trigger, status) values ('audit-test', 'audit', '{}', 'completed')");
    for (const [userId, issue] of issues) await fixture.ledger.ledger.recordOutcome([], [issueRow(`crm:${userId}`, issue, context)]);
  });

  afterAll(async () => {
    await fixture?.dispose();
  });

  const page = async (query: string): Promise<Page> => {
    const answer = await fixture.request('GET', `/api/findings${query}`);
    expect(answer.status).toBe(200);
    return answer.body as Page;
  };

  it('lists every finding newest first: the person, the platform, the kind, the rule and when it was seen', async () => {
    const body = await page('');
    expect(findingsAnswer.safeParse(body).error).toBeUndefined();
    expect(body.findings.map((finding) => [finding.crmUserId, finding.platform, finding.kind, finding.rule])).toEqual([
      [crm[2], 'crm', 'orphan', 'id-claim'],
      [crm[1], 'omnistack', 'conflict', 'newest-wins'],
      [crm[0], 'bookmaster', 'missing', 'gather'],
    ]);
    expect(body.findings[0]).toMatchObject({ personKey: `crm:${crm[2]}`, recordId: crm[2], auditRunId: 'audit-test', occurrences: 1 });
    expect(body.nextOffset).toBeNull();
  });

  it('moves a finding seen again to the top', async () => {
    const [userId, issue] = issues[0] ?? [];
    await fixture.ledger.ledger.recordOutcome([], [issueRow(`crm:${userId}`, issue as AuditIssue, context)]);
    const body = await page('');
    expect(body.findings[0]).toMatchObject({ crmUserId: userId, kind: 'missing', occurrences: 2 });
    expect(body.findings).toHaveLength(3);
  });

  it('filters by kind and by platform', async () => {
    expect((await page('?kind=conflict')).findings.map((finding) => finding.crmUserId)).toEqual([crm[1]]);
    expect((await page('?platform=bookmaster')).findings.map((finding) => finding.kind)).toEqual(['missing']);
    expect((await page('?kind=conflict&platform=crm')).findings).toEqual([]);
  });

  it('pages with limit and offset, with no finding twice and none left out', async () => {
    const first = await page('?limit=2');
    expect(first.findings).toHaveLength(2);
    expect(first.nextOffset).toBe(2);
    const second = await page(`?limit=2&offset=${first.nextOffset}`);
    expect(second.findings).toHaveLength(1);
    expect(second.nextOffset).toBeNull();
    const keys = [...first.findings, ...second.findings].map((finding) => finding.kind);
    expect(keys.sort()).toEqual(['conflict', 'missing', 'orphan']);
  });

  it.each([
    ['an unknown kind', '?kind=drift', 'kind'],
    ['a kind in the wrong case', '?kind=CONFLICT', 'kind'],
    ['an unknown platform', '?platform=salesforce', 'platform'],
    ['an operator object for the platform', `?platform=${encodeURIComponent('{"$ne":null}')}`, 'platform'],
    ['an operator in bracket form', '?kind[$ne]=x', 'kind[$ne]'],
    ['a repeated kind', '?kind=conflict&kind=orphan', 'kind'],
    ['a limit of 0', '?limit=0', 'limit'],
    ['a limit over 1000', '?limit=1001', 'limit'],
    ['a limit that is not a number', '?limit=ten', 'limit'],
    ['a fractional limit', '?limit=2.5', 'limit'],
    ['a negative offset', '?offset=-1', 'offset'],
    ['an unknown parameter', '?person=crm:x', 'person'],
  ])('answers 400 IDSYNC_ERR_INVALID_REQUEST naming the parameter for %s, and changes nothing', async (_case, query, field) => {
    const { rows: before } = await fixture.ledger.connection.pool.query('select id, last_seen_at, occurrences from findings order by id');
    const answer = await fixture.request('GET', `/api/findings${query}`);
    expect(answer.status).toBe(400);
    expect((answer.body as ErrorAnswer).code).toBe('IDSYNC_ERR_INVALID_REQUEST');
    expect((answer.body as ErrorAnswer).issues?.map((issue) => issue.field)).toContain(field);
    const { rows: after } = await fixture.ledger.connection.pool.query('select id, last_seen_at, occurrences from findings order by id');
    expect(after).toEqual(before);
  });

  it('is refused without the API token (IDSYNC_ERR_UNAUTHORIZED)', async () => {
    const answer = await fixture.request('GET', '/api/findings', { token: null });
    expect(answer.status).toBe(401);
    expect((answer.body as ErrorAnswer).code).toBe('IDSYNC_ERR_UNAUTHORIZED');
  });
});
