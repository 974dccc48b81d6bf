import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import { waitFor } from './wait-for.ts';

const BIN = path.join(import.meta.dirname, '..', '..', 'bin', 'idsync.js');

export interface IdsyncProcess {
  readonly child: ChildProcess;
  /** Every line written to stdout so far, parsed as JSON where it is JSON. */
  readonly logs: Array<Record<string, unknown>>;
  /** Everything written to stdout so far, as written. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** Waits for a log line with this `msg`. */
  waitForLog(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends `signal` (default SIGTERM) and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface RunOptions {
  /** The Node binary that runs bin/idsync.js. Default: this one, which is the project's Node 24. */
  node?: string;
  /** The launcher to run. Default: this checkout's bin/idsync.js. */
  bin?: string;
}

/** Runs the real `idsync` command as a child process. */
export function runIdsync(args: string[], env: Record<string, string>, options: RunOptions = {}): IdsyncProcess {
  const child = spawn(options.node ?? process.execPath, [options.bin ?? BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stdoutRest = '';
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    const lines = (stdoutRest + chunk.toString()).split('\n');
    stdoutRest = lines.pop() ?? '';
    for (const line of lines) logs.push(parseLine(line));
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    logs,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForLog: (msg, timeoutMs = 20_000) =>
      waitFor(`log line "${msg}"`, () => logs.find((entry) => entry.msg === msg), { timeoutMs }),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

function parseLine(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { raw: line };
  }
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
