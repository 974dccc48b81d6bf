import { connect } from 'node:net';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpFixture } from '../../support/http-fixture.ts';
import type { HttpFixture } from '../../support/http-fixture.ts';

const CRM_ID = '65f0c0ffee0000000000beef';

interface ErrorAnswer {
  code: string;
  message: string;
  issues?: Array<{ field: string; message: string; code?: string }>;
}

/**
 * Every endpoint of the API with a good body and with bad ones, against a server on the real
 * Redis and a ledger database of this file's own. Each bad body answers 400 naming the field.
 */
describe('the HTTP API', () => {
  let fixture: HttpFixture;

  beforeAll(async () => {
    fixture = await createHttpFixture();
  });

  afterAll(async () => {
    await fixture?.dispose();
  });

  describe('POST /api/reconcile', () => {
    it('enqueues a reconcile job for the record, with the API as its trigger, and answers 202', async () => {
      const answer = await fixture.request('POST', '/api/reconcile', { body: { platform: 'crm', id: CRM_ID.toUpperCase() } });
      expect(answer.status).toBe(202);
      const body = answer.body as { jobId: string; key: string; queue: string };
      expect(body).toMatchObject({ queue: 'reconcile', name: 'user', key: `crm:${CRM_ID}` });
      const job = await fixture.queues.byName.reconcile.getJob(body.jobId);
      expect(job?.data).toEqual({ platform: 'crm', id: CRM_ID, trigger: { type: 'command', via: 'api' } });
    });

    it.each([
      ['a number for the platform', { platform: 1, id: CRM_ID }, 'platform', undefined],
      ['an unknown platform', { platform: 'salesforce', id: CRM_ID }, 'platform', undefined],
      ['a platform in the wrong case', { platform: 'CRM', id: CRM_ID }, 'platform', undefined],
      ['an operator object for the id', { platform: 'crm', id: { $gt: '' } }, 'id', undefined],
      ['an operator object for the platform', { platform: { $ne: null }, id: CRM_ID }, 'platform', undefined],
      ['an array for the id', { platform: 'crm', id: [CRM_ID] }, 'id', undefined],
      ['a malformed id', { platform: 'crm', id: 'not-an-object-id' }, 'id', 'IDSYNC_ERR_INVALID_ID'],
      ['a prefixed id', { platform: 'crm', id: `crm_${CRM_ID}` }, 'id', 'IDSYNC_ERR_INVALID_ID'],
      ['an empty id', { platform: 'crm', id: '' }, 'id', undefined],
      ['a missing id', { platform: 'crm' }, 'id', undefined],
      ['an unknown field', { platform: 'crm', id: CRM_ID, $where: 'sleep(1)' }, '$where', undefined],
      ['a second unknown field', { platform: 'crm', id: CRM_ID, role: 'x', $where: 'sleep(1)' }, 'role', undefined],
      ['a platform this deployment does not sync', { platform: 'supabase', id: '7f1c2a9e-3b4d-4e5f-8a6b-1c2d3e4f5a6b' }, 'platform', 'IDSYNC_ERR_PLATFORM_NOT_SYNCED'],
      ['an array for the body', [{ platform: 'crm', id: CRM_ID }], '(body)', undefined],
      ['a string for the body', 'crm:65f0c0ffee0000000000beef', '(body)', undefined],
    ])('answers 400 naming the field for %s, and enqueues nothing', async (_case, body, field, code) => {
      const before = await fixture.queues.byName.reconcile.count();
      const answer = await fixture.request('POST', '/api/reconcile', { body });
      expect(answer.status).toBe(400);
      const error = answer.body as ErrorAnswer;
      expect(error.code).toBe('IDSYNC_ERR_INVALID_REQUEST');
      expect(error.issues?.map((issue) => issue.field)).toContain(field);
      expect(error.issues?.find((issue) => issue.field === field)?.message).toEqual(expect.any(String));
      if (code) expect(error.issues?.find((issue) => issue.field === field)?.code).toBe(code);
      expect(await fixture.queues.byName.reconcile.count()).toBe(before);
    });

    it('answers 400 for a body that is not JSON and for a prototype-poisoning one', async () => {
      for (const raw of ['{"platform": "crm",', '{"__proto__": {"admin": true}, "platform": "crm", "id": "65f0c0ffee0000000000beef"}']) {
        const answer = await fixture.request('POST', '/api/reconcile', { raw });
        expect(answer.status).toBe(400);
        expect((answer.body as ErrorAnswer).code).toBe('IDSYNC_ERR_INVALID_JSON');
      }
    });

    it('answers 413 for a body over the limit and 415 for one that is not JSON', async () => {
      const huge = await fixture.request('POST', '/api/reconcile', { body: { platform: 'crm', id: 'x'.repeat(64 * 1024) } });
      expect(huge.status).toBe(413);
      expect((huge.body as ErrorAnswer).code).toBe('IDSYNC_ERR_BODY_TOO_LARGE');
      const form = await fixture.request('POST', '/api/reconcile', { raw: `platform=crm&id=${CRM_ID}`, contentType: 'application/x-www-form-urlencoded' });
      expect(form.status).toBe(415);
      expect((form.body as ErrorAnswer).code).toBe('IDSYNC_ERR_UNSUPPORTED_MEDIA_TYPE');
    });
  });

  describe('POST /api/audit', () => {
    it.each([
      ['no body', undefined, {}],
      ['an empty object', {}, {}],
      ['reportOnly', { reportOnly: true }, { reportOnly: true }],
    ])('enqueues an audit run on the maintenance queue for %s', async (_case, body, extra) => {
      const answer = await fixture.request('POST', '/api/audit', { body });
      expect(answer.status).toBe(202);
      const { jobId } = answer.body as { jobId: string };
      expect(jobId).toMatch(/^audit-\d{8}T\d{6}Z-[0-9a-f]{8}$/);
      const job = await fixture.queues.byName.maintenance.getJob(jobId);
      expect(job?.name).toBe('audit');
      expect(job?.data).toEqual({ trigger: { type: 'command', via: 'api' }, ...extra });
    });

    it.each([
      ['a string for reportOnly', { reportOnly: 'yes' }, 'reportOnly'],
      ['an operator object for reportOnly', { reportOnly: { $gt: '' } }, 'reportOnly'],
      ['an unknown field', { platforms: ['crm'] }, 'platforms'],
      ['an array body', [], '(body)'],
    ])('answers 400 for %s', async (_case, body, field) => {
      const answer = await fixture.request('POST', '/api/audit', { body });
      expect(answer.status).toBe(400);
      expect((answer.body as ErrorAnswer).issues?.map((issue) => issue.field)).toContain(field);
    });
  });

  describe('POST /api/backfill', () => {
    it.each([
      ['every synced platform', {}, {}],
      ['one platform', { platforms: ['bookmaster'] }, { platforms: ['bookmaster'] }],
    ])('enqueues a backfill run for %s', async (_case, body, extra) => {
      const answer = await fixture.request('POST', '/api/backfill', { body });
      expect(answer.status).toBe(202);
      const { jobId } = answer.body as { jobId: string };
      const job = await fixture.queues.byName.maintenance.getJob(jobId);
      expect(job?.name).toBe('backfill');
      expect(job?.data).toEqual({ trigger: { type: 'command', via: 'api' }, ...extra });
    });

    it.each([
      ['an unknown platform', { platforms: ['crm', 'salesforce'] }, 'platforms.1', undefined],
      ['a platform that is not synced', { platforms: ['supabase'] }, 'platforms.0', 'IDSYNC_ERR_PLATFORM_NOT_SYNCED'],
      ['a repeated platform', { platforms: ['crm', 'crm'] }, 'platforms', undefined],
      ['no platform', { platforms: [] }, 'platforms', undefined],
      ['a string for the platforms', { platforms: 'crm' }, 'platforms', undefined],
      ['an operator object', { platforms: { $gt: '' } }, 'platforms', undefined],
      ['dry-run, which the backfill job does not offer', { dryRun: true }, 'dryRun', undefined],
    ])('answers 400 for %s', async (_case, body, field, code) => {
      const answer = await fixture.request('POST', '/api/backfill', { body });
      expect(answer.status).toBe(400);
      const issue = (answer.body as ErrorAnswer).issues?.find((entry) => entry.field === field);
      expect(issue?.message).toEqual(expect.any(String));
      if (code) expect(issue?.code).toBe(code);
    });
  });

  describe('POST /api/staff', () => {
    const good = { email: 'new.hire@example.com', name: 'New', surname: 'Hire', role: 'SALES' };

    it('answers 202 with the create-staff-member job, deduplicated by email, and logs no address', async () => {
      const answer = await fixture.request('POST', '/api/staff', { body: good });
      expect(answer.status).toBe(202);
      const enqueued = answer.body as { queue: string; name: string; jobId: string };
      expect(enqueued).toMatchObject({ queue: 'provision', name: 'create-staff-member' });
      const job = await fixture.queues.byName.provision.getJob(enqueued.jobId);
      expect(job?.data).toEqual({ ...good, trigger: { type: 'command', via: 'api' } });
      const again = await fixture.request('POST', '/api/staff', { body: { ...good, email: good.email.toUpperCase() } });
      expect((again.body as { jobId: string }).jobId).toBe(enqueued.jobId);
      expect(fixture.logs.join('')).not.toContain(good.email);
    });

    it.each([
      ['a malformed email', { ...good, email: 'not-an-email' }, 'email'],
      ['an operator object for the email', { ...good, email: { $ne: null } }, 'email'],
      ['a blank name', { ...good, name: '   ' }, 'name'],
      ['a missing surname', { email: good.email, name: good.name }, 'surname'],
      ['a lower-case role', { ...good, role: 'sales' }, 'role'],
      ['a role the CRM does not have', { ...good, role: 'ADMIN' }, 'role'],
      ['an unknown field', { ...good, password: 'hunter2' }, 'password'],
    ])('answers 400 for %s', async (_case, body, field) => {
      const queued = await fixture.queues.byName.provision.count();
      const answer = await fixture.request('POST', '/api/staff', { body });
      expect(answer.status).toBe(400);
      expect((answer.body as ErrorAnswer).issues?.map((issue) => issue.field)).toContain(field);
      expect(await fixture.queues.byName.provision.count()).toBe(queued);
    });
  });

  describe('GET /api/status/:crmUserId', () => {
    it('answers 404 IDSYNC_ERR_NOT_FOUND when the ledger has no status for the person', async () => {
      const answer = await fixture.request('GET', `/api/status/${CRM_ID}`);
      expect(answer.status).toBe(404);
      expect((answer.body as ErrorAnswer).code).toBe('IDSYNC_ERR_NOT_FOUND');
    });

    it("answers the person's sync status row from the ledger", async () => {
      const userId = '65f0c0ffee0000000000cafe';
      await fixture.ledger.connection.pool.query(
        `insert into sync_status (user_id, platforms_in_sync, issues, last_check) values ($1, $2, $3::jsonb, now())`,
        [userId, ['crm', 'bookmaster'], JSON.stringify([{ kind: 'missing', platform: 'omnistack' }])],
      );
      const answer = await fixture.request('GET', `/api/status/${userId.toUpperCase()}`);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        userId,
        platformsInSync: ['crm', 'bookmaster'],
        issues: [{ kind: 'missing', platform: 'omnistack' }],
        lastCheck: expect.any(String),
        auditRunId: null,
      });
    });

    it.each([
      ['a malformed id', 'not-an-id'],
      ['an operator object', encodeURIComponent('{"$gt":""}')],
      ['a long id', 'a'.repeat(60)],
    ])('answers 400 naming crmUserId for %s', async (_case, id) => {
      const answer = await fixture.request('GET', `/api/status/${id}`);
      expect(answer.status).toBe(400);
      expect((answer.body as ErrorAnswer).issues?.[0]?.field).toBe('crmUserId');
    });

    it('answers 414 IDSYNC_ERR_URI_TOO_LONG for a path parameter over 100 characters (Fastify refuses it before routing), without echoing it', async () => {
      const answer = await fixture.request('GET', `/api/status/${'a'.repeat(500)}`);
      expect(answer.status).toBe(414);
      expect(answer.body).toEqual({ code: 'IDSYNC_ERR_URI_TOO_LONG', message: expect.any(String) });
      expect((answer.body as ErrorAnswer).message).not.toContain('aaaa');
    });

    it('answers 400 IDSYNC_ERR_INVALID_URL for a path that is not valid percent-encoding', async () => {
      const answer = await fixture.request('GET', '/api/status/%E0%A4%A');
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ code: 'IDSYNC_ERR_INVALID_URL', message: expect.any(String) });
    });
  });

  it.each([
    ['GET', '/api/nothing-here'],
    ['GET', '/nothing-here'],
    ['PUT', '/api/reconcile'],
  ])('answers 404 IDSYNC_ERR_NOT_FOUND as {code, message} for %s %s, a route that does not exist', async (method, path) => {
    const answer = await fixture.request(method, path, { token: null });
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ code: 'IDSYNC_ERR_NOT_FOUND', message: expect.any(String) });
  });

  it('answers 415 IDSYNC_ERR_UNSUPPORTED_MEDIA_TYPE for a text/plain body, which Fastify alone would parse, and enqueues nothing', async () => {
    const before = await fixture.queues.byName.reconcile.count();
    const answer = await fixture.request('POST', '/api/reconcile', { raw: `crm:${CRM_ID}`, contentType: 'text/plain' });
    expect(answer.status).toBe(415);
    expect(answer.body).toEqual({ code: 'IDSYNC_ERR_UNSUPPORTED_MEDIA_TYPE', message: expect.any(String) });
    expect(await fixture.queues.byName.reconcile.count()).toBe(before);
  });

  it('answers 431 IDSYNC_ERR_HEADERS_TOO_LARGE as {code, message} for headers Node refuses before Fastify sees the request', async () => {
    const answer = await rawExchange(fixture.url, `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.body)).toEqual({ code: 'IDSYNC_ERR_HEADERS_TOO_LARGE', message: expect.any(String) });
  });

  it('answers 400 IDSYNC_ERR_BAD_REQUEST as {code, message} for a request that is not HTTP', async () => {
    const answer = await rawExchange(fixture.url, 'HELLO THERE\r\n\r\n');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ code: 'IDSYNC_ERR_BAD_REQUEST', message: expect.any(String) });
  });
});

/** Sends `request` as raw bytes (what fetch refuses to send) and reads the status and body of the answer. */
async function rawExchange(base: string, request: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  socket.end(request);
  const answer = await text(socket);
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), body };
}
