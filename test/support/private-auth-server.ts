import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { open, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { closedPort } from './idsync-process.ts';
import { withClient } from './services.ts';
import { waitFor } from './wait-for.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The services script that finds the binary and runs the shared server. */
const SERVICE_SCRIPT = path.join(ROOT, 'scripts/services.d/supabase-auth.sh');
/** The environment the shared server was started with, as that script wrote it. */
const SHARED_ENV_FILE = path.join(ROOT, '.services/supabase-auth/auth.env');
const START_TIMEOUT_MS = 30_000;
const HEALTH_TIMEOUT_MS = 1_000;
/** How long a stopped server may take to shut down before it is killed (the script's own grace). */
const STOP_GRACE_MS = 10_000;

/**
 * A Supabase Auth server of one test's own: the shared server's binary and environment on another
 * port, over the same `supabase` database (whose migrations `scripts/services up` applied), so that
 * a fault test can stop and restart an auth server while other tests use the shared one.
 */
export interface PrivateAuthServer {
  /** Its base URL: SUPABASE_AUTH_URL (and SUPABASE_URL) for idsync. Stays the same across restarts. */
  readonly url: string;
  /** Starts serving and waits until /health answers; does nothing while it runs. */
  start(): Promise<void>;
  /** SIGTERM, SIGKILL after 10 s; resolves once the process has exited. Does nothing while stopped. */
  stop(): Promise<void>;
  /** Stops it and removes its folder (its log). Safe to call twice. */
  dispose(): Promise<void>;
}

export interface PrivateAuthServerOptions {
  /**
   * A superuser's URL of another database for the server (a private Postgres's): its admin role and
   * `auth` schema are made there and its own `migrate` run. Default: the shared `supabase` database.
   */
  databaseUrl?: string;
}

/** Prepares a private server (not started yet). Throws when no binary or shared env is found. */
export async function createPrivateAuthServer(options: PrivateAuthServerOptions = {}): Promise<PrivateAuthServer> {
  const binary = await findAuthBinary();
  const port = await closedPort();
  const url = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = { ...(await readSharedEnv()), PORT: String(port), API_EXTERNAL_URL: url };
  if (options.databaseUrl !== undefined) env.DATABASE_URL = await prepareDatabase(binary, options.databaseUrl, env);
  const dir = await mkdtemp(path.join(tmpdir(), 'idsync-auth-'));
  const logFile = path.join(dir, 'auth.log');
  let server: { child: ChildProcess; exited: Promise<unknown> } | undefined;

  const stop = async () => {
    const current = server;
    server = undefined;
    if (current === undefined || current.child.exitCode !== null || current.child.signalCode !== null) return;
    current.child.kill('SIGTERM');
    const killer = setTimeout(() => current.child.kill('SIGKILL'), STOP_GRACE_MS);
    await current.exited;
    clearTimeout(killer);
  };
  const start = async () => {
    if (server !== undefined) return;
    const log = await open(logFile, 'a');
    const child = spawn(binary, ['serve'], { env, stdio: ['ignore', log.fd, log.fd] });
    await log.close();
    server = { child, exited: once(child, 'exit') };
    const answered = await waitFor(
      'the private auth server to answer /health or exit',
      async () => (child.exitCode !== null || child.signalCode !== null ? 'exited' : (await healthy(url)) && 'healthy'),
      { timeoutMs: START_TIMEOUT_MS, intervalMs: 100 },
    ).catch(() => 'timed out');
    if (answered !== 'healthy') {
      await stop();
      throw new Error(`the private auth server ${answered} before answering /health; its log ends:\n${await logTail(logFile)}`);
    }
  };
  let disposed: Promise<void> | undefined;
  return {
    url,
    start,
    stop,
    dispose: () => (disposed ??= stop().then(() => rm(dir, { recursive: true, force: true }))),
  };
}

/** The services script's own lookup: SUPABASE_AUTH_BIN, else `auth` or `gotrue` on PATH. */
async function findAuthBinary(): Promise<string> {
  try {
    const { stdout } = await run('bash', ['-c', '. "$1"; find_auth_bin', 'find-auth-bin', SERVICE_SCRIPT]);
    return stdout.trim();
  } catch (error) {
    throw new Error('no Supabase Auth server binary (set SUPABASE_AUTH_BIN, or put `auth` on PATH)', { cause: error });
  }
}

/**
 * What the server needs before it serves, as `scripts/services up` does it for the shared database
 * (the upstream development init script's statements): its admin role, the `auth` schema it owns,
 * then its own `migrate`. Returns the server's DATABASE_URL (the admin role, the shared password).
 */
async function prepareDatabase(binary: string, superuserUrl: string, env: Record<string, string>): Promise<string> {
  const shared = new URL(env.DATABASE_URL ?? '');
  const password = decodeURIComponent(shared.password);
  await withClient(superuserUrl, async (client) => {
    const { rowCount } = await client.query("select 1 from pg_roles where rolname = 'supabase_auth_admin'");
    if (rowCount === 0) await client.query(`create role supabase_auth_admin noinherit createrole login noreplication password ${client.escapeLiteral(password)}`);
    const database = client.escapeIdentifier(new URL(superuserUrl).pathname.slice(1));
    await client.query('create schema if not exists auth authorization supabase_auth_admin');
    await client.query(`grant create on database ${database} to supabase_auth_admin`);
    await client.query("alter role supabase_auth_admin set search_path = 'auth'");
  });
  const target = new URL(superuserUrl);
  target.username = shared.username;
  target.password = shared.password;
  await run(binary, ['migrate'], { env: { ...env, DATABASE_URL: target.toString() } });
  return target.toString();
}

/** KEY=VALUE lines, as `scripts/services` writes them (no quoting). */
async function readSharedEnv(): Promise<Record<string, string>> {
  const text = await readFile(SHARED_ENV_FILE, 'utf8');
  const entries = text
    .split('\n')
    .map((line) => /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line))
    .flatMap((match) => (match ? [[match[1] as string, match[2] as string] as const] : []));
  return Object.fromEntries(entries);
}

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) })).ok;
  } catch {
    return false;
  }
}

async function logTail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-20).join('\n');
}
