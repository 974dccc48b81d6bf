import { spawn } from 'node:child_process';
import path from 'node:path';
import { createE2eStores } from '../test/support/e2e-stores.ts';
import type { E2eStores } from '../test/support/e2e-stores.ts';
import { runIdsync } from '../test/support/idsync-process.ts';
import type { IdsyncProcess } from '../test/support/idsync-process.ts';
import { waitFor } from '../test/support/wait-for.ts';

/*
 * A namespace of the bench's own on the local services (CRM and OmniStack databases, Bookmaster
 * and ledger databases, a queue prefix, a replication slot prefix), the same one the end-to-end
 * tests use, and the real `idsync` command started in it as child processes.
 */

export type { E2eStores } from '../test/support/e2e-stores.ts';
export type { IdsyncProcess } from '../test/support/idsync-process.ts';

const START_TIMEOUT_MS = 60_000;

export function createNamespace(): Promise<E2eStores> {
  return createE2eStores({ PLATFORMS: 'crm,omnistack,bookmaster' });
}

/** Starts `idsync start --role <role>` and waits for its 'idsync started' line. */
export async function startRole(stores: E2eStores, role: 'watchers' | 'workers', extraEnv: Record<string, string> = {}): Promise<IdsyncProcess> {
  const child = runIdsync(['start', '--role', role], { ...stores.env, ...extraEnv });
  await child.waitForLog('idsync started', START_TIMEOUT_MS);
  return child;
}

/** The environment that makes a Node child write a CPU profile into `dir` when it exits (none without a dir). */
export function profileEnv(dir: string | undefined): Record<string, string> {
  return dir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}` } : {};
}

/** Stops every child (SIGTERM, waiting for each), then removes the namespace. */
export async function teardown(stores: E2eStores, children: readonly IdsyncProcess[]): Promise<void> {
  for (const child of children) await child.stop('SIGTERM');
  await stores.dispose();
}

/** Runs an `idsync` command to its end; resolves with its stdout, rejects on a non-zero exit. */
export async function runCommand(args: string[], env: Record<string, string>): Promise<string> {
  const child = runIdsync(args, env);
  const code = await child.exited;
  if (code !== 0) throw new Error(`idsync ${args.join(' ')} exited ${code}: ${child.stderr().slice(-500)}`);
  return child.logs.map((entry) => ('raw' in entry ? String(entry.raw) : JSON.stringify(entry))).join('\n');
}

export interface ChildResult<T> {
  readonly result: T;
  readonly pid: number;
}

/** Runs a bench module as a Node child with `env`; its last stdout line is its JSON result. */
export async function runBenchChild<T>(module: string, env: Record<string, string>): Promise<ChildResult<T>> {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, module)], { env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`${module} exited ${code}`);
  const last = stdout.trim().split('\n').at(-1) ?? '{}';
  return { result: JSON.parse(last) as T, pid: child.pid ?? 0 };
}

export { waitFor };
