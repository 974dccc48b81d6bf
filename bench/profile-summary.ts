import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/*
 * `node bench/profile-summary.ts <dir> [top]`: for each CPU profile that `--profile-dir` left in
 * <dir> (node --cpu-prof), the share of the samples that were idle (the process waiting on I/O)
 * and the garbage collector's, self time by package (a node_modules package, Node's own code,
 * idsync's), and the functions with the most self time. Default top: 15.
 */

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const DEFAULT_TOP = 15;
const PERCENT = 100;
const US_PER_SECOND = 1_000_000;
/** Packages below this share of the samples are left out of the line by package. */
const MIN_SHARE = 0.001;

const NATIVE = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** Where a function's code lives: a package, `node:` (Node's own), `idsync`, or `native` (no script). */
function packageOf(node: ProfileNode): string {
  const { url } = node.callFrame;
  if (!url) return 'native';
  if (url.startsWith('node:')) return 'node:';
  const inModules = url.split('/node_modules/').at(-1);
  if (inModules !== undefined && inModules !== url) return inModules.startsWith('@') ? inModules.split('/').slice(0, 2).join('/') : (inModules.split('/')[0] ?? url);
  return 'idsync';
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url ? `${url.replace(/^file:\/\//, '').split('/node_modules/').at(-1)?.replace(process.cwd() + path.sep, '')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'}${file ? ` ${file}` : ''}`;
}

/** Self time (in µs) per function, summed over every node of the same function, and per package. */
function selfTimes(profile: CpuProfile): { total: number; byName: Map<string, number>; byPackage: Map<string, number> } {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byName = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    total += delta;
    const node = nodes.get(id);
    const name = node ? frameName(node) : '?';
    byName.set(name, (byName.get(name) ?? 0) + delta);
    if (node && !NATIVE.has(node.callFrame.functionName)) byPackage.set(packageOf(node), (byPackage.get(packageOf(node)) ?? 0) + delta);
  });
  return { total, byName, byPackage };
}

const descending = (entries: Iterable<[string, number]>) => [...entries].sort(([, left], [, right]) => right - left);

async function summarize(file: string, top: number): Promise<string> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const { total, byName, byPackage } = selfTimes(profile);
  const percent = (micros: number) => `${((micros / total) * PERCENT).toFixed(1)}%`;
  const share = (name: string) => percent(byName.get(name) ?? 0);
  const busy = descending([...byName].filter(([name]) => !NATIVE.has(name)));
  const lines = busy.slice(0, top).map(([name, micros]) => `  ${percent(micros).padStart(6)}  ${name}`);
  const packages = descending(byPackage).filter(([, micros]) => micros / total >= MIN_SHARE).map(([name, micros]) => `${name} ${percent(micros)}`).join(', ');
  const head = `${path.basename(file)}: ${(total / US_PER_SECOND).toFixed(0)} s profiled; idle ${share('(idle)')}, program ${share('(program)')}, GC ${share('(garbage collector)')}`;
  return [head, `  by package: ${packages}`, ...lines].join('\n');
}

const [dir, topArgument] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bench/profile-summary.ts <dir> [top]');
  process.exit(2);
}
const top = Number(topArgument ?? DEFAULT_TOP);
const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile')).sort();
for (const file of files) console.log(`${await summarize(path.join(dir, file), top)}\n`);
