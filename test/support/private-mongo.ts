import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { closedPort } from './idsync-process.ts';
import { waitFor } from './wait-for.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LAUNCHER_SOURCES = path.join(ROOT, 'scripts/mongo');
/** The library's jars, fetched by `scripts/services up mongo`. */
const LIBRARY = path.join(ROOT, '.services/mongo/lib');
const START_TIMEOUT_MS = 30_000;

/**
 * A MongoDB test server of one test's own: this checkout's launcher (scripts/mongo), compiled
 * into a temporary folder, with an oplog window of the test's choosing, so that a test can let the
 * server trim history without touching the shared server.
 */
export interface PrivateMongo {
  /** A connection string for `database` on this server. */
  url(database: string): string;
  /**
   * SIGSTOP: the server keeps its connections and data but answers nothing. (A stopped memory
   * backend would lose every document, which a real MongoDB outage does not.)
   */
  freeze(): void;
  /** SIGCONT after freeze. */
  thaw(): void;
  dispose(): Promise<void>;
}

export async function startPrivateMongo(oplogWindowSeconds: number): Promise<PrivateMongo> {
  const dir = await mkdtemp(path.join(tmpdir(), 'idsync-mongo-'));
  const classes = path.join(dir, 'classes');
  const sources = (await readdir(LAUNCHER_SOURCES)).filter((name) => name.endsWith('.java')).map((name) => path.join(LAUNCHER_SOURCES, name));
  await run('javac', ['-d', classes, '-cp', `${LIBRARY}/*`, ...sources]);
  const port = await closedPort();
  const server = spawn('java', ['-Xmx256m', '-cp', `${classes}:${LIBRARY}/*`, 'MongoLauncher', '127.0.0.1', String(port), String(oplogWindowSeconds)], { stdio: 'ignore' });
  const exited = once(server, 'exit');
  const dispose = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGCONT');
      server.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('the private MongoDB server to listen', () => accepts(port), { timeoutMs: START_TIMEOUT_MS, intervalMs: 100 });
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    url: (database) => `mongodb://127.0.0.1:${port}/${database}?directConnection=true`,
    freeze: () => void server.kill('SIGSTOP'),
    thaw: () => void server.kill('SIGCONT'),
    dispose,
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
