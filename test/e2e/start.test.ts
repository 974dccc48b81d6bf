import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLocalAuthKey } from '../../src/config/local-defaults.ts';
import { uniqueName } from '../support/names.ts';
import { closedPort, runIdsync } from '../support/idsync-process.ts';
import type { IdsyncProcess } from '../support/idsync-process.ts';
import { createTemporaryDatabase, dropReplication, testConfig } from '../support/services.ts';
import type { TemporaryDatabase } from '../support/services.ts';

const FAST_FAIL = { CONNECT_TIMEOUT_MS: '1000' };
/** With no set-up, idsync syncs Supabase too when `scripts/services` set up a local auth server. */
const LOCAL_AUTH = readLocalAuthKey() !== null;

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
    const slots = uniqueName('slot');
    running = runIdsync(['start'], { HTTP_PORT: '0', LEDGER_DB_URL: ledger.url, QUEUE_PREFIX: uniqueName('e2e'), REPLICATION_SLOT_PREFIX: slots });
    const started = await running.waitForLog('idsync started');
    expect(running.logs.some((entry) => entry.msg === 'ledger migration applied')).toBe(true);
    // Without a local auth server, the three other systems, and one warning that says why.
    const supabaseWarnings = running.logs.filter((entry) => entry.level === 40 && String(entry.msg).startsWith('Supabase Auth is not synced'));
    expect(supabaseWarnings).toHaveLength(LOCAL_AUTH ? 0 : 1);

    const response = await fetch(`${String(started.http)}/healthz`);
    expect(response.status).toBe(200);
    const dependencies = ['redis', 'ledger', 'crm', 'omnistack', 'bookmaster', ...(LOCAL_AUTH ? ['supabase-db', 'supabase-auth'] : [])];
    expect(await response.json()).toEqual({
      status: 'ok',
      dependencies: Object.fromEntries(dependencies.map((name) => [name, { status: 'up', latencyMs: expect.any(Number) }])),
    });

    expect(await running.stop('SIGTERM')).toBe(0);
    expect(running.logs.at(-1)?.msg).toBe('idsync stopped');
    const config = testConfig();
    await dropReplication(config.bookmaster.dbUrl, slots);
    await dropReplication(config.supabase.dbUrl, slots);
  });

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
