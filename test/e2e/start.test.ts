import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../src/ids/index.ts';
import { CONNECTORS } from '../../src/platforms/registry.ts';
import { uniqueName } from '../support/names.ts';
import { closedPort, runIdsync } from '../support/idsync-process.ts';
import type { IdsyncProcess } from '../support/idsync-process.ts';
import { createTemporaryDatabase } from '../support/services.ts';
import type { TemporaryDatabase } from '../support/services.ts';

const FAST_FAIL = { CONNECT_TIMEOUT_MS: '1000' };
/** Systems PLATFORMS may name that have no connector, so are never synced. */
const UNCONNECTED = PLATFORMS.filter((platform) => CONNECTORS[platform] === undefined);

describe('idsync start', () => {
  let ledger: TemporaryDatabase;
  let running: IdsyncProcess | undefined;

  beforeEach(async () => {
    ledger = await createTemporaryDatabase('ledger');
  });

  afterEach(async () => {
    await running?.stop('SIGKILL');
    running = undefined;
    await ledger.drop();
  });

  it('connects to everything, migrates the ledger and answers /healthz with every dependency up', async () => {
    running = runIdsync(['start'], { HTTP_PORT: '0', LEDGER_DB_URL: ledger.url, QUEUE_PREFIX: uniqueName('e2e') });
    const started = await running.waitForLog('idsync started');
    expect(running.logs.some((entry) => entry.msg === 'ledger migration applied')).toBe(true);

    const response = await fetch(`${String(started.http)}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      dependencies: Object.fromEntries(
        ['redis', 'ledger', 'crm', 'omnistack', 'bookmaster'].map((name) => [name, { status: 'up', latencyMs: expect.any(Number) }]),
      ),
    });

    expect(await running.stop('SIGTERM')).toBe(0);
    expect(running.logs.at(-1)?.msg).toBe('idsync stopped');
  });

  // Today Supabase; once every system has a connector, PLATFORMS can name none without one.
  for (const platform of UNCONNECTED) {
    it(`warns that ${platform} has no connector and does not sync it: /healthz and the API leave it out`, async () => {
      const token = 'e2e-start-api-token-0123456789';
      const env = { HTTP_PORT: '0', LEDGER_DB_URL: ledger.url, QUEUE_PREFIX: uniqueName('e2e'), PLATFORMS: PLATFORMS.join(','), API_TOKEN: token };
      running = runIdsync(['start', '--role', 'http'], env);
      const started = await running.waitForLog('idsync started');
      expect(running.logs.find((entry) => entry.level === 40 && Array.isArray(entry.platforms))?.platforms).toEqual(UNCONNECTED);
      expect(started.platforms).toEqual(PLATFORMS.filter((candidate) => !UNCONNECTED.includes(candidate)));

      const health = (await (await fetch(`${String(started.http)}/healthz`)).json()) as { dependencies: Record<string, unknown> };
      expect(Object.keys(health.dependencies).sort()).toEqual(['bookmaster', 'crm', 'ledger', 'omnistack', 'redis'].filter((name) => name !== platform));
      const refused = await fetch(`${String(started.http)}/api/reconcile`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ platform, id: '7f1c2a9e-3b4d-4e5f-8a6b-1c2d3e4f5a6b' }),
      });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ code: 'IDSYNC_ERR_INVALID_REQUEST', issues: [{ field: 'platform', code: 'IDSYNC_ERR_PLATFORM_NOT_SYNCED' }] });
      expect(await running.stop('SIGTERM')).toBe(0);
    });
  }

  it.each([
    ['redis', 'REDIS_URL', (port: number) => `redis://idsync:hunter2@127.0.0.1:${port}`, (port: number) => `redis://idsync:***@127.0.0.1:${port}`],
    ['crm', 'CRM_MONGO_URL', (port: number) => `mongodb://idsync:hunter2@127.0.0.1:${port}/trackmaster?directConnection=true`, (port: number) => `mongodb://idsync:***@127.0.0.1:${port}/trackmaster?directConnection=true`],
    ['bookmaster', 'BOOKMASTER_DB_URL', (port: number) => `postgres://idsync:hunter2@127.0.0.1:${port}/bookmaster`, (port: number) => `postgres://idsync:***@127.0.0.1:${port}/bookmaster`],
  ])('exits 1 with one line naming %s and its masked URL when it cannot be reached', async (service, variable, url, masked) => {
    const port = await closedPort();
    running = runIdsync(['start'], { ...FAST_FAIL, HTTP_PORT: '0', LEDGER_DB_URL: ledger.url, [variable]: url(port) });
    expect(await running.exited).toBe(1);
    const lines = running.stderr().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`cannot reach ${service} at ${masked(port)}`);
    expect(lines[0]).toContain('IDSYNC_ERR_SERVICE_UNREACHABLE');
    expect(running.stderr()).not.toContain('hunter2');
  });

  it('exits 1 with a config error naming each bad variable, before connecting to anything', async () => {
    running = runIdsync(['start'], { HTTP_PORT: 'eighty', CRM_MONGO_URL: 'mysql://db' });
    expect(await running.exited).toBe(1);
    expect(running.stderr()).toContain('IDSYNC_ERR_CONFIG');
    expect(running.stderr()).toContain('HTTP_PORT: must be a whole number');
    expect(running.stderr()).toContain('CRM_MONGO_URL: must be a URL');
    expect(running.logs).toEqual([]);
  });

  it('exits 2 on bad usage', async () => {
    running = runIdsync(['start', '--role', 'everything'], {});
    expect(await running.exited).toBe(2);
    expect(running.stderr()).toContain("'everything' is invalid");
  });
});
