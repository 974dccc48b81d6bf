import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { closedPort } from './idsync-process.ts';

const run = promisify(execFile);
const PG_BIN = '/usr/lib/postgresql/15/bin';
const START_TIMEOUT_SECONDS = '30';

/**
 * A Postgres server of one test's own, so that a fault test can really stop and restart it without
 * disturbing the shared server. As root it runs as the `postgres` user, as scripts/services does.
 */
export interface PrivatePostgres {
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export interface PrivatePostgresOptions {
  /** `wal_level=logical`, for the watchers' logical replication. Default: false (`replica`). */
  logical?: boolean;
  /** Further server settings, as `-c name=value`. Default: none. */
  settings?: Readonly<Record<string, string>>;
}

export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const dir = await mkdtemp(path.join(tmpdir(), 'idsync-pg-'));
  await chmod(dir, 0o777);
  const data = path.join(dir, 'data');
  const port = await closedPort();
  const asOwner = (command: string, args: string[]) =>
    process.getuid?.() === 0 ? run('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, command), ...args]) : run(path.join(PG_BIN, command), args);
  await asOwner('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust']);
  const walLevel = options.logical === true ? ' -c wal_level=logical' : '';
  const settings = Object.entries(options.settings ?? {}).map(([name, value]) => ` -c ${name}=${value}`).join('');
  const pgCtl = (action: string) =>
    asOwner('pg_ctl', ['-D', data, '-w', '-t', START_TIMEOUT_SECONDS, '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off${walLevel}${settings}`, '-l', path.join(dir, 'log'), '-m', 'fast', action]);
  await pgCtl('start');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await pgCtl('stop');
    },
    start: async () => {
      await pgCtl('start');
    },
    dispose: async () => {
      await pgCtl('stop').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
