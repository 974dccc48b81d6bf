import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/*
 * schemathesis (PyPI), which `scripts/services up schemathesis` installs into a git-ignored
 * virtualenv, run as a child process against an OpenAPI document.
 */

export const SCHEMATHESIS_BIN = path.join(import.meta.dirname, '..', '..', '.services', 'schemathesis', 'venv', 'bin', 'st');

/**
 * The checks every run makes: no 5xx, each status and content type one the document declares, each
 * body and header of the declared shape, and (with credentials) no route answering without them.
 * Left out: whether the document's schemas are as strict as the handlers (they are looser: an id is
 * checked per platform by the handler), 405 for undeclared methods (idsync answers 404), and 401
 * before 414 for a too-long path parameter (Fastify's router answers before the auth hook runs).
 */
export const CHECKS = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_schema_conformance', 'response_headers_conformance', 'ignored_auth'];

export interface SchemathesisRun {
  /** An OpenAPI document: its URL, or a file. */
  readonly schema: string;
  /** Where requests go. Default: the document's own origin (a URL schema only). */
  readonly baseUrl?: string;
  /** Sent with every request (and with the request for a URL schema). Default: none. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Test cases per operation and phase. */
  readonly maxExamples: number;
  /** Default: coverage (boundary and invalid values of every parameter) and fuzzing (random ones). */
  readonly phases?: ReadonlyArray<'coverage' | 'fuzzing'>;
  readonly seed: number;
  /** The longest the run may take, in ms; then it is killed. */
  readonly timeoutMs: number;
}

export interface SchemathesisResult {
  readonly exitCode: number | null;
  /** What it printed: the failures, each with a curl line to reproduce it, and the summary. */
  readonly output: string;
  /** Its count of the test cases it generated, from the summary. */
  readonly generated: number;
}

export function schemathesisInstalled(): boolean {
  return existsSync(SCHEMATHESIS_BIN);
}

export async function runSchemathesis(run: SchemathesisRun): Promise<SchemathesisResult> {
  // Its working folder takes its example database and reports: a fresh one per run, removed after.
  const cwd = await mkdtemp(path.join(tmpdir(), 'idsync-schemathesis-'));
  const args = [
    'run',
    run.schema,
    ...(run.baseUrl ? ['--url', run.baseUrl] : []),
    ...Object.entries(run.headers ?? {}).flatMap(([name, value]) => ['--header', `${name}: ${value}`]),
    '--checks',
    CHECKS.join(','),
    '--max-examples',
    String(run.maxExamples),
    '--phases',
    (run.phases ?? ['coverage', 'fuzzing']).join(','),
    '--seed',
    String(run.seed),
    '--workers',
    '1',
    // Its health checks judge its own data generation (too slow on a busy machine), not the API;
    // that every operation was reached is asserted by the caller.
    '--suppress-health-check',
    'all',
    '--generation-database',
    'none',
    '--no-color',
  ];
  try {
    const child = spawn(SCHEMATHESIS_BIN, args, { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), run.timeoutMs);
    const [exitCode] = (await once(child, 'exit')) as [number | null];
    clearTimeout(timer);
    return { exitCode, output, generated: Number(/(\d+) generated/.exec(output)?.[1] ?? 0) };
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}
