import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createE2eStores, newPerson, waitForWatching } from '../support/e2e-stores.ts';
import type { E2eStores, Person } from '../support/e2e-stores.ts';
import { runIdsync } from '../support/idsync-process.ts';
import type { IdsyncProcess } from '../support/idsync-process.ts';
import { waitFor } from '../support/wait-for.ts';

const API_TOKEN = 'e2e-http-api-token-0123456789abcdef';
const BOUND_MS = 30_000;

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * The operator's workflow through the HTTP API of a running `idsync start`, as the README gives
 * it: people linked by the watchers, an audit enqueued, who is out of sync and why (findings, and the
 * status by any system's record), and the errors of bad requests in the `{code, message}` shape.
 */
describe('idsync start: the HTTP API an operator uses', () => {
  let stores: E2eStores;
  let idsync: IdsyncProcess;
  let base: string;
  const linked: Person = newPerson();
  /** A CRM user whose OmniStack id names no record: an orphan reference. */
  const orphan = { crm: new ObjectId().toHexString(), omnistack: new ObjectId().toHexString() };

  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const contentType = body === undefined ? {} : { 'content-type': 'application/json' };
    const response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${API_TOKEN}`, ...contentType, ...headers }, body: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    stores = await createE2eStores({ API_TOKEN });
    idsync = runIdsync(['start'], stores.env);
    base = String((await idsync.waitForLog('idsync started', BOUND_MS)).http);
    await waitForWatching(idsync, BOUND_MS);
    await stores.writePeople([linked]);
    await stores.crm.collection('User').insertOne({ _id: new ObjectId(orphan.crm), email: `orphan-${orphan.crm}@example.com`, role: 'SALES', externalIds: { omnistack: orphan.omnistack } });
    await waitFor('the person to be linked by the watchers', async () => (await stores.countLinked([linked])) === 1, { timeoutMs: BOUND_MS });
  }, 2 * BOUND_MS);

  afterAll(async () => {
    await idsync?.stop('SIGTERM');
    await stores?.dispose();
  }, BOUND_MS);

  it('runs an audit on request, then tells by any record who is in sync and who is not, and why', async () => {
    expect((await send('POST', '/api/audit', { reportOnly: true })).status).toBe(202);
    const status = await waitFor('the audit to record the orphan', async () => {
      const answer = await send('GET', `/api/status/crm/${orphan.crm}`);
      return answer.status === 200 ? answer.body : undefined;
    }, { timeoutMs: BOUND_MS });
    // Its OmniStack record is required and does not exist: the dangling reference, and the record missing.
    expect(status.issues).toHaveLength(2);
    expect(status.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'orphan', platform: 'crm', claimedPlatform: 'omnistack', claimedId: orphan.omnistack }), { kind: 'missing', platform: 'omnistack' }]),
    );

    const byOmnistack = await send('GET', `/api/status/omnistack/${linked.omnistack}`);
    expect(byOmnistack).toMatchObject({ status: 200, body: { userId: linked.crm, issues: [] } });
    expect([...(byOmnistack.body.platformsInSync as string[])].sort()).toEqual(['bookmaster', 'crm', 'omnistack']);
    expect((await send('GET', `/api/status/bookmaster/${linked.bookmaster}`)).body).toEqual(byOmnistack.body);
    expect((await send('GET', `/api/status/${linked.crm}`)).body).toEqual(byOmnistack.body);

    const findings = await send('GET', '/api/findings?kind=orphan');
    expect(findings.status).toBe(200);
    expect(findings.body.findings).toEqual([expect.objectContaining({ crmUserId: orphan.crm, platform: 'crm', kind: 'orphan', rule: expect.any(String) })]);
  });

  it('answers a record no system holds 404 with the reconcile that would check it, and enqueues nothing for it', async () => {
    const unknown = new ObjectId().toHexString();
    expect(await send('POST', '/api/reconcile', { platform: 'omnistack', id: unknown })).toEqual({ status: 404, body: { code: 'IDSYNC_ERR_NOT_FOUND', message: expect.any(String) } });
    expect(await send('GET', `/api/status/omnistack/${unknown}`)).toEqual({ status: 404, body: { code: 'IDSYNC_ERR_NOT_FOUND', message: expect.stringContaining(`idsync reconcile omnistack:${unknown}`) } });
  });

  it.each<[string, () => Promise<Answer>, number, string]>([
    ['a malformed id', () => send('POST', '/api/reconcile', { platform: 'crm', id: 'nope' }), 400, 'IDSYNC_ERR_INVALID_REQUEST'],
    ['an unknown field', () => send('POST', '/api/backfill', { platforms: ['crm'], everything: true }), 400, 'IDSYNC_ERR_INVALID_REQUEST'],
    ['text/plain', () => send('POST', '/api/audit', 'audit please', { 'content-type': 'text/plain' }), 415, 'IDSYNC_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['a route that does not exist', () => send('GET', '/api/people'), 404, 'IDSYNC_ERR_NOT_FOUND'],
    ['a path parameter over 100 characters', () => send('GET', `/api/status/crm/${'a'.repeat(101)}`), 414, 'IDSYNC_ERR_URI_TOO_LONG'],
    ['no token', () => send('GET', '/api/findings', undefined, { authorization: '' }), 401, 'IDSYNC_ERR_UNAUTHORIZED'],
  ])('answers %s with its status and code in the {code, message} shape', async (_label, request, status, code) => {
    const answer = await request();
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ code, message: expect.any(String) });
  });

  it('publishes its OpenAPI document, listing the routes the operator uses', async () => {
    const document = await send('GET', '/openapi.json');
    expect(document.status).toBe(200);
    expect(Object.keys(document.body.paths as object)).toEqual(expect.arrayContaining(['/api/findings', '/api/status/{platform}/{id}', '/api/reconcile', '/api/audit', '/api/backfill', '/api/staff']));
  });
});
