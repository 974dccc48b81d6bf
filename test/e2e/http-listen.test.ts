import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runIdsync } from '../support/idsync-process.ts';
import type { IdsyncProcess } from '../support/idsync-process.ts';
import { uniqueName } from '../support/names.ts';
import { createTemporaryDatabase } from '../support/services.ts';
import type { TemporaryDatabase } from '../support/services.ts';

describe('idsync start and its HTTP port', () => {
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

  it('exits 1 with IDSYNC_ERR_INSECURE_HTTP, binding nothing, when the credentials are the local development defaults', async () => {
    running = runIdsync(['start', '--role', 'http'], { HTTP_HOST: '0.0.0.0', HTTP_PORT: '0', LEDGER_DB_URL: ledger.url, QUEUE_PREFIX: uniqueName('e2e') });
    expect(await running.exited).toBe(1);
    expect(running.stderr()).toContain('IDSYNC_ERR_INSECURE_HTTP');
    expect(running.logs.some((entry) => entry.msg === 'idsync started')).toBe(false);
  });

  it('exits 1 with one line naming IDSYNC_ERR_PORT_IN_USE, no stack trace, when the port is taken', async () => {
    const squatter = createServer();
    squatter.listen(0, '127.0.0.1');
    await once(squatter, 'listening');
    try {
      const { port } = squatter.address() as AddressInfo;
      running = runIdsync(['start', '--role', 'http'], { HTTP_PORT: String(port), LEDGER_DB_URL: ledger.url, QUEUE_PREFIX: uniqueName('e2e') });
      expect(await running.exited).toBe(1);
      const lines = running.stderr().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('[IDSYNC_ERR_PORT_IN_USE]');
      expect(running.logs.some((entry) => entry.msg === 'idsync started')).toBe(false);
    } finally {
      squatter.close();
    }
  });
});
