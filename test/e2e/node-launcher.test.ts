import { execFile, execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runIdsync } from '../support/idsync-process.ts';
import type { IdsyncProcess } from '../support/idsync-process.ts';
import { uniqueName } from '../support/names.ts';
import { createTemporaryDatabase, testConfig } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

/** The machine's own Node, older than the project's: the one `node` names outside npm scripts. */
const MACHINE_NODE = '/usr/bin/node';
const REPO = path.join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

function strips(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 18);
}

/**
 * `node bin/idsync.js` as the README defines `idsync`, run by the machine's Node 20, which cannot
 * run the TypeScript sources: the launcher runs itself again under the project's Node 24 and
 * hands back its output, exit code and signal.
 */
describe("bin/idsync.js under the machine's older Node", () => {
  let running: IdsyncProcess | undefined;

  beforeAll(() => {
    const version = execFileSync(MACHINE_NODE, ['--version']).toString().trim();
    expect(strips(version), `${MACHINE_NODE} is ${version}, new enough to need no launcher: point MACHINE_NODE at an older Node`).toBe(false);
  });

  afterEach(async () => {
    await running?.stop('SIGKILL');
    running = undefined;
  });

  it('runs idsync under the project\'s Node: --help lists the commands and exits 0', async () => {
    running = runIdsync(['--help'], {}, { node: MACHINE_NODE });
    expect(await running.exited).toBe(0);
    const commands = running.logs.map((line) => String(line.raw ?? '').trim().split(' ')[0]);
    expect(commands).toEqual(expect.arrayContaining(['start', 'reconcile', 'audit', 'status', 'backfill', 'cleanup', 'staff']));
    expect(running.stderr()).toBe('');
  });

  it("keeps Node's compile cache in the temporary directory, unless NODE_DISABLE_COMPILE_CACHE is set", async () => {
    const [cached, disabled] = [await mkdtemp(path.join(tmpdir(), 'idsync-ncc-')), await mkdtemp(path.join(tmpdir(), 'idsync-ncc-'))];
    try {
      running = runIdsync(['--help'], { TMPDIR: cached }, { node: MACHINE_NODE });
      expect(await running.exited).toBe(0);
      running = runIdsync(['--help'], { TMPDIR: disabled, NODE_DISABLE_COMPILE_CACHE: '1' }, { node: MACHINE_NODE });
      expect(await running.exited).toBe(0);

      const entries = async (dir: string) => (await readdir(dir, { recursive: true })).length;
      expect(await entries(path.join(cached, 'node-compile-cache'))).toBeGreaterThan(0);
      expect(await entries(disabled)).toBe(0);
    } finally {
      await Promise.all([cached, disabled].map((dir) => rm(dir, { recursive: true, force: true })));
    }
  });

  it("ends with idsync's exit code: 2 and one line for bad usage", async () => {
    running = runIdsync(['reconcile', 'nonsense'], {}, { node: MACHINE_NODE });
    expect(await running.exited).toBe(2);
    const lines = running.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('[IDSYNC_ERR_INVALID_ID]');
  });

  it('passes SIGTERM on to `idsync start`, which shuts down cleanly and exits 0', async () => {
    const ledger = await createTemporaryDatabase('ledger');
    try {
      running = runIdsync(['start', '--role', 'http'], { HTTP_PORT: '0', LEDGER_DB_URL: ledger.url, QUEUE_PREFIX: uniqueName('e2e') }, { node: MACHINE_NODE });
      await running.waitForLog('idsync started', 60_000);
      // The project's Node runs idsync start with its V8 flags (test/e2e/start-flags.test.ts).
      const pid = running.child.pid as number;
      const [child] = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(' ');
      expect((await readFile(`/proc/${child}/cmdline`, 'utf8')).split('\0')).toContain('--max-semi-space-size=16');
      expect(await running.stop('SIGTERM')).toBe(0);
      expect(running.logs.some((line) => line.msg === 'idsync stopped')).toBe(true);
    } finally {
      await running?.stop('SIGKILL');
      await ledger.drop();
    }
  });

  it('ends by the signal that ended idsync (SIGHUP, which idsync leaves to its default)', async () => {
    const prefix = uniqueName('e2e');
    // An audit with no worker to run it: idsync waits until the signal.
    running = runIdsync(['audit', '--wait'], { QUEUE_PREFIX: prefix }, { node: MACHINE_NODE });
    try {
      await waitFor('idsync to say what it waits for', () => running?.stderr() !== '', { timeoutMs: 60_000 });
      await running.stop('SIGHUP');
      expect(running.child.signalCode).toBe('SIGHUP');
    } finally {
      const connection = new Redis(testConfig().redis.url, { maxRetriesPerRequest: null });
      const queue = new Queue('maintenance', { connection, prefix });
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    }
  });

  it('says in one line, exit 1, that it needs a newer Node when none is installed beside it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'idsync-bin-'));
    try {
      await mkdir(path.join(dir, 'bin'));
      for (const file of ['idsync.js', 'start-flags.js']) await copyFile(path.join(REPO, 'bin', file), path.join(dir, 'bin', file));
      running = runIdsync(['--help'], {}, { node: MACHINE_NODE, bin: path.join(dir, 'bin', 'idsync.js') });
      expect(await running.exited).toBe(1);
      const lines = running.stderr().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('[IDSYNC_ERR_NODE_TOO_OLD]');
      expect(running.logs).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("`npx idsync`, with the machine's npm on its older Node, prints no engine warning", async () => {
    // npx checks the engines when it first links the project into its cache: a fresh cache makes
    // every run a first one. That first run reads the whole node_modules tree again (vitest's own
    // cache there makes npm's hidden lockfile look out of date): 15-30 s on a busy machine.
    const cache = await mkdtemp(path.join(tmpdir(), 'idsync-npx-'));
    try {
      const env = { PATH: path.dirname(MACHINE_NODE), HOME: process.env.HOME ?? tmpdir(), npm_config_cache: cache };
      const { stdout, stderr } = await run('npx', ['idsync', '--help'], { cwd: REPO, env });
      expect(stdout).toMatch(/^Usage: idsync/);
      expect(stderr).not.toContain('EBADENGINE');
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  }, 120_000);
});
