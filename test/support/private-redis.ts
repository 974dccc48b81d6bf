import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { closedPort } from './idsync-process.ts';
import { waitFor } from './wait-for.ts';

/**
 * A Redis server of one test's own (Debian's redis-server, as scripts/services runs), so that a
 * fault test can really stop, freeze and restart it without disturbing the shared one on 6379.
 * No persistence: its data is this test's and goes with it.
 */
export interface PrivateRedis {
  readonly url: string;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it answers. */
  start(): Promise<void>;
  /** SIGSTOP: the server keeps its connections open but answers nothing. */
  freeze(): void;
  /** SIGCONT after freeze. */
  thaw(): void;
  dispose(): Promise<void>;
}

export interface PrivateRedisOptions {
  /** Clients must AUTH with it (`requirepass`); `url` carries it. Default: none. */
  password?: string;
}

export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const dir = await mkdtemp(path.join(tmpdir(), 'idsync-redis-'));
  const port = await closedPort();
  const url = options.password === undefined ? `redis://127.0.0.1:${port}` : `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${port}`;
  const auth = options.password === undefined ? [] : ['--requirepass', options.password];
  let server: ChildProcess | undefined;
  const start = async () => {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...auth], { stdio: 'ignore' });
    server = child;
    await waitFor(`redis-server on port ${port} to answer`, () => child.exitCode === null && ping(url), { timeoutMs: 30_000 });
  };
  const stop = async () => {
    const child = server;
    server = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url,
    stop,
    start,
    freeze: () => void server?.kill('SIGSTOP'),
    thaw: () => void server?.kill('SIGCONT'),
    dispose: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function ping(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
