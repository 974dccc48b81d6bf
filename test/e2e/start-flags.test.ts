import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { runIdsync } from '../support/idsync-process.ts';
import type { IdsyncProcess } from '../support/idsync-process.ts';
import { uniqueName } from '../support/names.ts';
import { createTemporaryDatabase } from '../support/services.ts';

/*
 * `idsync start` runs with a young generation of 2 x 16 MiB (README design notes): the launcher
 * replaces itself, in the same process, with a Node given the flag, unless the operator gave one.
 */

const FLAG = '--max-semi-space-size=16';

/** The arguments the process runs with now, as the kernel has them. */
async function commandLine(pid: number): Promise<string[]> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter((arg) => arg !== '');
}

describe('the V8 flags of idsync start', () => {
  let running: IdsyncProcess | undefined;

  afterEach(async () => {
    await running?.stop('SIGKILL');
    running = undefined;
  });

  async function started(env: Record<string, string>): Promise<string[]> {
    const ledger = await createTemporaryDatabase('ledger');
    try {
      running = runIdsync(['start', '--role', 'http'], { HTTP_PORT: '0', LEDGER_DB_URL: ledger.url, QUEUE_PREFIX: uniqueName('e2e'), ...env });
      await running.waitForLog('idsync started', 60_000);
      const args = await commandLine(running.child.pid as number);
      expect(await running.stop('SIGTERM')).toBe(0);
      return args;
    } finally {
      await running?.stop('SIGKILL');
      await ledger.drop();
    }
  }

  it('runs in the process it was started as, with a 16 MiB semi-space', async () => {
    const args = await started({});
    expect(args).toContain(FLAG);
    expect(args.at(-4)).toMatch(/bin\/idsync\.js$/);
    expect(args.slice(-3)).toEqual(['start', '--role', 'http']);
  });

  it("keeps the operator's own semi-space size from NODE_OPTIONS", async () => {
    const args = await started({ NODE_OPTIONS: '--max-semi-space-size=8' });
    expect(args.some((arg) => arg.startsWith('--max-semi-space-size'))).toBe(false);
  });
});
