import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuthFailureLimit } from '../../../src/http/auth-failures.ts';
import { createHttpFixture } from '../../support/http-fixture.ts';
import type { HttpFixture } from '../../support/http-fixture.ts';
import { waitFor } from '../../support/wait-for.ts';

const TOO_MANY = { code: 'IDSYNC_ERR_TOO_MANY_AUTH_FAILURES' };
const CRM_ID = '65f0c0ffee0000000000beef';

/** A GET from another loopback address (all of 127/8 reaches a server bound to 127.0.0.1). */
function getFrom(localAddress: string, url: string, authorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = httpRequest(url, { localAddress, headers: { authorization } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    sent.on('error', reject);
    sent.end();
  });
}

/**
 * Failed logins to the API and the dashboard, counted per address by @fastify/rate-limit: past the
 * limit the address is answered 429 IDSYNC_ERR_TOO_MANY_AUTH_FAILURES, right credentials or not.
 */
describe('failed logins', () => {
  let fixture: HttpFixture | undefined;

  async function serve(authFailures: AuthFailureLimit): Promise<HttpFixture> {
    fixture = await createHttpFixture({ authFailures });
    return fixture;
  }

  afterEach(async () => {
    await fixture?.dispose();
    fixture = undefined;
  });

  it('answer 429 with Retry-After after the limit, at the API and the dashboard alike, even to the right credentials, and enqueue nothing', async () => {
    const server = await serve({ limit: 3, windowMs: 60_000 });
    const { dashboardUser: user, dashboardPassword: password, apiToken } = server.credentials;
    expect((await server.request('GET', '/metrics', { token: `${apiToken}x` })).status).toBe(401);
    expect((await server.request('POST', '/api/audit', { body: {}, token: 'guess-number-two' })).status).toBe(401);
    expect((await server.request('GET', '/admin/queues', { basic: { user, password: `${password}x` } })).status).toBe(401);

    const refused = await server.request('POST', '/api/reconcile', { body: { platform: 'crm', id: CRM_ID } });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ ...TOO_MANY, message: expect.any(String) });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(await server.queues.byName.reconcile.count()).toBe(0);
    const dashboard = await server.request('GET', '/admin/queues', { basic: { user, password } });
    expect(dashboard.status).toBe(429);
    expect(dashboard.body).toMatchObject(TOO_MANY);
    // The health routes need no login, so they are not held back.
    expect((await server.request('GET', '/healthz', { token: null })).status).toBe(200);

    // Another address has its own count.
    expect(await getFrom('127.0.0.2', `${server.url}/metrics`, `Bearer ${apiToken}`)).toBe(200);
    expect(await getFrom('127.0.0.2', `${server.url}/metrics`, 'Bearer wrong-token-wrong-token')).toBe(401);

    const warnings = server.logs.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((line) => line.level === 40 && line.msg.startsWith('failed authentications reached the limit'));
    expect(warnings).toHaveLength(1);
  });

  it('count neither requests without credentials nor successful ones', async () => {
    const server = await serve({ limit: 2, windowMs: 60_000 });
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect((await server.request('GET', '/metrics', { token: null })).status).toBe(401);
      expect((await server.request('GET', '/admin/queues', { token: null })).status).toBe(401);
      expect((await server.request('GET', '/metrics')).status).toBe(200);
    }
    expect((await server.request('GET', '/metrics', { token: 'wrong-token-wrong-token' })).status).toBe(401);
    expect((await server.request('GET', '/metrics')).status).toBe(200);
    expect((await server.request('GET', '/metrics', { token: 'wrong-token-wrong-token' })).status).toBe(401);
    expect((await server.request('GET', '/metrics')).status).toBe(429);
  });

  it('let the address in again once its window has passed', async () => {
    const server = await serve({ limit: 1, windowMs: 1_000 });
    expect((await server.request('GET', '/metrics', { token: 'wrong-token-wrong-token' })).status).toBe(401);
    expect((await server.request('GET', '/metrics')).status).toBe(429);
    await waitFor('the window to pass', async () => (await server.request('GET', '/metrics')).status === 200, { timeoutMs: 5_000, intervalMs: 200 });
  });
});
