import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dependency } from '../../../src/config/dependency.ts';
import { LOCAL_DEFAULTS } from '../../../src/config/local-defaults.ts';
import { IdsyncError } from '../../../src/errors.ts';
import { checkReady } from '../../../src/http/handlers/ready.ts';
import { startHttpServer } from '../../../src/http/server.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { createMetrics } from '../../../src/metrics/metrics.ts';
import { createHttpFixture } from '../../support/http-fixture.ts';
import type { HttpFixture } from '../../support/http-fixture.ts';
import { closedPort } from '../../support/idsync-process.ts';

const API_CALLS: Array<[string, string, unknown]> = [
  ['POST', '/api/reconcile', { platform: 'crm', id: '65f0c0ffee0000000000beef' }],
  ['POST', '/api/backfill', {}],
  ['POST', '/api/audit', {}],
  ['POST', '/api/staff', { email: 'a@example.com', name: 'A', surname: 'B' }],
  ['GET', '/api/status/65f0c0ffee0000000000beef', undefined],
  ['GET', '/metrics', undefined],
];

describe('authentication', () => {
  let fixture: HttpFixture;

  beforeAll(async () => {
    fixture = await createHttpFixture();
  });

  afterAll(async () => {
    await fixture?.dispose();
  });

  it('answers 401 with a Basic challenge for the dashboard without credentials or with wrong ones', async () => {
    const { dashboardUser: user, dashboardPassword: password } = fixture.credentials;
    for (const path of ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/queue/reconcile']) {
      for (const basic of [undefined, { user, password: `${password}x` }, { user: 'admin', password }, { user, password: '' }]) {
        const answer = await fixture.request('GET', path, { token: null, basic });
        expect(answer.status).toBe(401);
        expect(answer.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
        expect(answer.body).toMatchObject({ code: 'IDSYNC_ERR_UNAUTHORIZED' });
      }
    }
    // The API token is no key to the dashboard.
    expect((await fixture.request('GET', '/admin/queues')).status).toBe(401);
  });

  it('serves Bull Board with the dashboard credentials, listing every queue', async () => {
    const basic = { user: fixture.credentials.dashboardUser, password: fixture.credentials.dashboardPassword };
    const page = await fixture.request('GET', '/admin/queues', { basic });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const api = await fixture.request('GET', '/admin/queues/api/queues', { basic });
    expect((api.body as { queues: Array<{ name: string }> }).queues.map((queue) => queue.name).sort()).toEqual(['maintenance', 'propagate', 'provision', 'reconcile']);
  });

  it.each(API_CALLS)('answers 401 with a Bearer challenge for %s %s without the token or with a wrong one, and does nothing', async (method, path, body) => {
    const { dashboardUser: user, dashboardPassword: password, apiToken } = fixture.credentials;
    const wrong: Array<{ token?: string | null; basic?: { user: string; password: string } }> = [
      { token: null },
      { token: `${apiToken}x` },
      { token: apiToken.slice(0, -1) },
      { token: apiToken.toUpperCase() },
      { basic: { user, password } },
    ];
    for (const credentials of wrong) {
      const answer = await fixture.request(method, path, { body, ...credentials });
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      expect(answer.body).toMatchObject({ code: 'IDSYNC_ERR_UNAUTHORIZED' });
    }
    for (const queue of Object.values(fixture.queues.byName)) expect(await queue.count()).toBe(0);
  });

  it('serves /healthz and /readyz to anyone, and /metrics with the token', async () => {
    const health = await fixture.request('GET', '/healthz', { token: null });
    expect(health.status).toBe(200);
    const ready = await fixture.request('GET', '/readyz', { token: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { redis: 'up', ledger: 'up' }, closing: false });
    const metrics = await fixture.request('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
  });

  it('never writes a credential to the log', async () => {
    const { dashboardPassword, apiToken } = fixture.credentials;
    await fixture.request('GET', '/admin/queues', { token: null, basic: { user: 'operator', password: dashboardPassword } });
    await fixture.request('POST', '/api/audit', { body: {} });
    await fixture.request('POST', '/api/audit', { body: {}, token: `${apiToken}-wrong` });
    // A client may put a token in a query string: request lines carry the path only.
    await fixture.request('GET', `/api/findings?access_token=${apiToken}&kind=${dashboardPassword}`);
    const logs = fixture.logs.join('');
    expect(logs).toContain('request completed');
    expect(logs).toContain('"url":"/api/findings"');
    for (const secret of [dashboardPassword, apiToken, Buffer.from(`operator:${dashboardPassword}`).toString('base64')]) expect(logs).not.toContain(secret);
    expect(logs.toLowerCase()).not.toContain('authorization');
  });
});

describe('readiness', () => {
  it('is not ready when Redis does not answer, or once the server is closing', async () => {
    const redis = new Redis(`redis://127.0.0.1:${await closedPort()}`, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    redis.on('error', () => undefined);
    const down: Dependency = { name: 'redis', url: 'redis://127.0.0.1', check: async () => void (await redis.ping()), close: async () => redis.disconnect() };
    const fixture = await createHttpFixture({ dependencies: [down] });
    try {
      const answer = await fixture.request('GET', '/readyz', { token: null });
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ status: 'not-ready', checks: { redis: 'down' } });
    } finally {
      await fixture.dispose();
      redis.disconnect();
    }
    expect(await checkReady([], true, createLogger({ level: 'silent' }), 100)).toMatchObject({ status: 'not-ready', closing: true });
  });
});

describe('listening beyond loopback', () => {
  const base = { port: 0, logger: createLogger({ level: 'silent' }), dependencies: [], healthTimeoutMs: 100 };

  it.each([
    ['without credentials', undefined],
    ['with the local development credentials', { dashboardUser: 'admin', dashboardPassword: LOCAL_DEFAULTS.DASHBOARD_PASSWORD, apiToken: LOCAL_DEFAULTS.API_TOKEN }],
    ['with the local development API token', { dashboardUser: 'ops', dashboardPassword: 'a-real-password-1', apiToken: LOCAL_DEFAULTS.API_TOKEN }],
  ])('is refused %s, before anything is bound', async (_case, credentials) => {
    const operator = credentials && { credentials, queues: undefined as never, ledgerPool: undefined as never, metrics: createMetrics({ defaultMetrics: false }), platforms: [] };
    const attempt = startHttpServer({ ...base, host: '0.0.0.0', operator });
    await expect(attempt).rejects.toBeInstanceOf(IdsyncError);
    await expect(attempt).rejects.toMatchObject({ code: 'IDSYNC_ERR_INSECURE_HTTP' });
  });
});
