import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runAudit } from './audit.ts';
import { runBackfill } from './backfill.ts';
import { renderHistogram } from './chart.ts';
import { FLOOR_IDLE_MS } from './floor-stream.ts';
import { parseOptions } from './options.ts';
import type { BenchOptions } from './options.ts';
import { runPropagation } from './propagation.ts';
import type { PropagationResult } from './propagation.ts';
import { goals, tableRows } from './report.ts';
import type { BenchResults } from './report.ts';
import { renderGoals, renderTable } from './stats.ts';
import { machineInfo } from './system.ts';

/*
 * `npm run bench [-- flags]`: every scenario on the real local services, each figure beside a
 * baseline measured in the same run. Prints a table and the goals, writes bench/out/results-<time>.json
 * and bench/out/propagation-latency-<time>.svg. `--help` lists the flags and their defaults.
 */

const WORKER_COUNTS = [1, 2] as const;
const COLORS = ['#1f77b4', '#ff7f0e', '#7f7f7f'];

function log(message: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** A scenario that fails is reported (in the JSON and on stderr) and the others still run. */
async function attempt<T>(name: string, errors: string[], work: () => Promise<T>): Promise<T | null> {
  try {
    return await work();
  } catch (error) {
    const message = `${name}: ${error instanceof Error ? error.message : String(error)}`;
    log(`FAILED ${message}`);
    errors.push(message);
    return null;
  }
}

async function runAll(options: BenchOptions, errors: string[]): Promise<BenchResults> {
  const propagation: PropagationResult[] = [];
  if (options.scenarios.includes('propagation')) {
    for (const workers of WORKER_COUNTS) {
      log(`propagation with ${workers} worker process(es): ${options.writes} writes at ${options.rate}/s, then a burst of ${options.burst}`);
      const run = await attempt(`propagation, ${workers} workers`, errors, () => runPropagation(workers, options.writes, options.rate, options.burst, options.profileDir));
      if (run) propagation.push(run);
    }
  }
  const audit = [];
  if (options.scenarios.includes('audit')) {
    for (const people of options.auditSizes) {
      log(`audit of ${people} people (batch ${options.batchSize}), per-user loop on ${Math.min(people, options.baselineSample)}`);
      const run = await attempt(`audit of ${people}`, errors, () => runAudit(people, options.batchSize, Math.min(people, options.baselineSample)));
      if (run) audit.push(run);
    }
  }
  let backfill = null;
  if (options.scenarios.includes('backfill')) {
    log(`backfill of ${options.backfillUsers} CRM users with ${options.backfillWorkers} worker processes`);
    backfill = await attempt('backfill', errors, () => runBackfill(options.backfillUsers, options.backfillWorkers, options.batchSize));
  }
  return { propagation, audit, backfill };
}

function chart(runs: readonly PropagationResult[]): string {
  const series = runs.map((run, index) => ({ label: `write -> linked, ${run.workerProcesses} worker process(es), p99 ${run.latencyMs.p99} ms`, values: run.latencies, color: COLORS[index] ?? 'black' }));
  const floor = runs[0];
  if (floor) series.push({ label: `floor: bare change-stream loop, p99 ${floor.floorMs.p99} ms`, values: floor.floor, color: COLORS.at(-1) ?? 'grey' });
  const rate = floor ? `${floor.steady.people} CRM writes at ${floor.rate}/s` : '';
  return renderHistogram(series, { title: `idsync propagation latency (${rate})`, unit: 'ms from the CRM write' });
}

const options = parseOptions(process.argv.slice(2));
const startedAt = new Date();
log(`starting (${options.quick ? 'quick' : 'full'} run)`);
const errors: string[] = [];
const results = await runAll(options, errors);
const stamp = startedAt.toISOString().replaceAll(':', '').replace(/\..*/, 'Z');
await mkdir(options.outDir, { recursive: true });
const jsonPath = path.join(options.outDir, `results-${stamp}.json`);
const { scenarios, profileDir: _profileDir, ...parameters } = options;
const machine = machineInfo();
const seconds = (Date.now() - startedAt.getTime()) / 1_000;
await writeFile(jsonPath, `${JSON.stringify({ startedAt, seconds, machine, parameters: { ...parameters, scenarios, floorIdleMs: FLOOR_IDLE_MS }, goals: goals(results), errors, results }, null, 2)}\n`);
let svgPath = '';
if (results.propagation.length > 0) {
  svgPath = path.join(options.outDir, `propagation-latency-${stamp}.svg`);
  await writeFile(svgPath, `${chart(results.propagation)}\n`);
}
console.log(`\nidsync bench, ${options.quick ? 'quick' : 'full'} run, ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ${seconds.toFixed(0)} s\n`);
console.log(renderTable(tableRows(results)));
console.log(`\nGoals:\n${renderGoals(goals(results))}\n`);
if (errors.length > 0) console.log(`Failed scenarios:\n${errors.map((error) => `- ${error}`).join('\n')}\n`);
console.log(`JSON: ${jsonPath}${svgPath ? `\nchart: ${svgPath}` : ''}`);
process.exitCode = errors.length > 0 ? 1 : 0;
