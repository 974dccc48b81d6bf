import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpFixture } from '../../support/http-fixture.ts';
import type { HttpFixture, RequestOptions } from '../../support/http-fixture.ts';
import { startPrivateRedis } from '../../support/private-redis.ts';
import type { PrivateRedis } from '../../support/private-redis.ts';
import { waitFor } from '../../support/wait-for.ts';

/** CONNECT_TIMEOUT_MS of the server under test. */
const TIMEOUT_MS = 3_000;
/** What a loaded machine may add to a deadline before the answer is read. */
const SCHEDULING_SLACK_MS = 2_000;

const ENQUEUEING: ReadonlyArray<readonly [string, RequestOptions]> = [
  ['/api/reconcile', { body: { platform: 'crm', id: '65f0c0ffee0000000000beef' } }],
  ['/api/backfill', { body: {} }],
  ['/api/audit', {}],
  ['/api/staff', { body: { email: 'redis.down@example.com', name: 'Ana', surname: 'Lopez' } }],
];

/**
 * The API on a Redis server of this file's own, which the tests really stop and freeze: a request
 * that needs Redis answers 503 IDSYNC_ERR_SERVICE_UNREACHABLE within CONNECT_TIMEOUT_MS instead of
 * waiting for Redis to come back, and the API works again once it is back, without a restart.
 */
describe('the HTTP API while Redis is down', () => {
  let redis: PrivateRedis;
  let fixture: HttpFixture;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    fixture = await createHttpFixture({ redisUrl: redis.url, timeoutMs: TIMEOUT_MS });
  });

  afterAll(async () => {
    redis?.thaw();
    await fixture?.dispose();
    await redis?.dispose();
  });

  const timed = async (method: string, path: string, options: RequestOptions = {}) => {
    const started = performance.now();
    const answer = await fixture.request(method, path, options);
    return { ...answer, elapsedMs: performance.now() - started };
  };

  it('answers 503 IDSYNC_ERR_SERVICE_UNREACHABLE on every enqueueing endpoint at once while Redis is stopped', async () => {
    expect((await fixture.request('POST', '/api/reconcile', ENQUEUEING[0]?.[1])).status).toBe(202);
    await redis.stop();
    for (const [path, options] of ENQUEUEING) {
      const answer = await timed('POST', path, options);
      expect(answer.status, path).toBe(503);
      expect(answer.body, path).toEqual({ code: 'IDSYNC_ERR_SERVICE_UNREACHABLE', message: expect.any(String) });
      expect(answer.elapsedMs, path).toBeLessThan(TIMEOUT_MS);
    }
  });

  it('still answers a bad body 400 while Redis is stopped: the body is checked before Redis is asked', async () => {
    const answer = await fixture.request('POST', '/api/reconcile', { body: { platform: 'crm', id: 'nope' } });
    expect(answer.status).toBe(400);
    expect((answer.body as { code: string }).code).toBe('IDSYNC_ERR_INVALID_REQUEST');
  });

  it('answers /readyz 503 and /metrics 200 without the queue gauges, neither waiting for Redis', async () => {
    const ready = await timed('GET', '/readyz', { token: null });
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ checks: { redis: 'down' } });
    const metrics = await timed('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(String(metrics.body)).not.toMatch(/^idsync_queue_jobs\{/m);
    expect(Math.max(ready.elapsedMs, metrics.elapsedMs)).toBeLessThan(TIMEOUT_MS + SCHEDULING_SLACK_MS);
  });

  it('answers 503 within CONNECT_TIMEOUT_MS when Redis holds the connection but answers nothing, and 202 again once it is back', async () => {
    await redis.start();
    await waitFor('the API to reach Redis again', async () => (await fixture.request('POST', '/api/audit')).status === 202, { timeoutMs: 30_000 });
    redis.freeze();
    const answer = await timed('POST', '/api/backfill', { body: {} });
    redis.thaw();
    expect(answer.status).toBe(503);
    expect((answer.body as { code: string }).code).toBe('IDSYNC_ERR_SERVICE_UNREACHABLE');
    expect(answer.elapsedMs).toBeLessThan(TIMEOUT_MS + SCHEDULING_SLACK_MS);
    const again = await fixture.request('POST', '/api/reconcile', ENQUEUEING[0]?.[1]);
    expect(again.status).toBe(202);
  });
});
