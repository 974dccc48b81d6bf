import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runAudit } from './audit.ts';
import { runBackfill } from './backfill.ts';
import { renderHistogram } from './chart.ts';
import { FLOOR_IDLE_MS } from './floor-stream.ts';
import { goals } from './goals.ts';
import { removeEverythingOpen } from './namespace.ts';
import { parseOptions } from './options.ts';
import type { BenchOptions } from './options.ts';
import { runPropagation } from './propagation.ts';
import { runSoak } from './soak.ts';
import type { PropagationResult } from './propagation.ts';
import { tableRows } from './report.ts';
import type { BenchResults } from './report.ts';
import { renderGoals, renderTable } from './stats.ts';
import { authServerMissing } from './supabase.ts';
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

/** Four systems wherever the local auth server runs (and --no-supabase is not given), else three, with the reason. */
async function systemsOf(options: BenchOptions): Promise<BenchResults['systems']> {
  const supabaseMissing = options.supabase ? await authServerMissing() : 'turned off with --no-supabase';
  const synced = supabaseMissing === null ? (['crm', 'omnistack', 'supabase', 'bookmaster'] as const) : (['crm', 'omnistack', 'bookmaster'] as const);
  return { synced, supabaseMissing };
}

async function runAll(options: BenchOptions, errors: string[]): Promise<BenchResults> {
  const systems = await systemsOf(options);
  const withSupabase = systems.supabaseMissing === null;
  log(withSupabase ? `four systems: ${systems.synced.join(', ')}` : `three systems: ${systems.synced.join(', ')} (Supabase not synced: ${systems.supabaseMissing})`);
  const propagation: PropagationResult[] = [];
  if (options.scenarios.includes('propagation')) {
    for (const workerProcesses of WORKER_COUNTS) {
      log(`propagation with ${workerProcesses} worker process(es): ${options.writes} writes at ${options.rate}/s, then a burst of ${options.burst}`);
      const run = await attempt(`propagation, ${workerProcesses} workers`, errors, () => runPropagation({ ...options, workerProcesses, withSupabase }));
      if (run) propagation.push(run);
    }
  }
  const audit = [];
  if (options.scenarios.includes('audit')) {
    for (const people of options.auditSizes) {
      log(`audit of ${people} people (batch ${options.batchSize}), per-user loop on ${Math.min(people, options.baselineSample)}`);
      const run = await attempt(`audit of ${people}`, errors, () =>
        runAudit(people, { batchSize: options.batchSize, sample: Math.min(people, options.baselineSample), withSupabase, profileDir: options.profileDir }),
      );
      if (run) audit.push(run);
    }
  }
  const backfill = [];
  if (options.scenarios.includes('backfill')) {
    const backfillOptions = { workerProcesses: options.backfillWorkers, batchSize: options.batchSize, withSupabase, roundTripSample: options.roundTripSample, profileDir: options.profileDir };
    for (const users of options.backfillUsers) {
      log(`backfill of ${users} CRM users with ${options.backfillWorkers} worker processes, then the round trips of ${Math.min(users, options.roundTripSample)} reconciles`);
      const run = await attempt(`backfill of ${users}`, errors, () => runBackfill(users, backfillOptions));
      if (run) backfill.push(run);
    }
  }
  const soak = [];
  if (options.scenarios.includes('soak')) {
    log(`soak: ${options.soakMinutes} min at ${options.soakRate} records/s across ${systems.synced.length} systems`);
    const run = await attempt('soak', errors, () => runSoak({ minutes: options.soakMinutes, writesPerSecond: options.soakRate, withSupabase }));
    if (run) soak.push(run);
  }
  return { systems, propagation, audit, backfill, soak };
}

function chart(runs: readonly PropagationResult[]): string {
  const series = runs.map((run, index) => ({ label: `write -> linked, ${run.workerProcesses} worker process(es), p99 ${run.latencyMs.p99} ms`, values: run.latencies, color: COLORS[index] ?? 'black' }));
  const floor = runs[0];
  if (floor) series.push({ label: `floor: bare change-stream loop, p99 ${floor.floorMs.p99} ms`, values: floor.floor, color: COLORS.at(-1) ?? 'grey' });
  const rate = floor ? `${floor.steady.people} CRM writes at ${floor.rate}/s` : '';
  return renderHistogram(series, { title: `idsync propagation latency (${rate})`, unit: 'ms from the CRM write' });
}

// A second signal ends the run at once (the handler is installed once), cleanup or not.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the idsync processes and removing what the run created`);
    void removeEverythingOpen().finally(() => process.exit(1));
  });
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
console.log(`\nidsync bench, ${options.quick ? 'quick' : 'full'} run, ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ${seconds.toFixed(0)} s`);
const { synced, supabaseMissing } = results.systems;
console.log(supabaseMissing === null ? `Systems: all four (${synced.join(', ')})\n` : `Systems: three (${synced.join(', ')}); Supabase not synced: ${supabaseMissing}\n`);
console.log(renderTable(tableRows(results)));
console.log(`\nGoals:\n${renderGoals(goals(results))}\n`);
if (errors.length > 0) console.log(`Failed scenarios:\n${errors.map((error) => `- ${error}`).join('\n')}\n`);
console.log(`JSON: ${jsonPath}${svgPath ? `\nchart: ${svgPath}` : ''}`);
process.exitCode = errors.length > 0 ? 1 : 0;
