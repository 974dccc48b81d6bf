import { Command, InvalidArgumentError } from 'commander';
import path from 'node:path';

export const SCENARIOS = ['propagation', 'audit', 'backfill', 'soak'] as const;
export type Scenario = (typeof SCENARIOS)[number];
/** The soak runs only when asked for (`--only soak`): it takes ten minutes on its own. */
const DEFAULT_SCENARIOS: readonly Scenario[] = ['propagation', 'audit', 'backfill'];

export interface BenchOptions {
  readonly quick: boolean;
  /** Steady propagation: CRM users written one at a time at `rate` per second. */
  readonly writes: number;
  readonly rate: number;
  /** Saturation: CRM users written as fast as the driver takes them, for reconciles per second. */
  readonly burst: number;
  readonly auditSizes: readonly number[];
  /** People the per-user loop checks before its time is extrapolated to the full size. */
  readonly baselineSample: number;
  /** Population sizes the backfill runs at, each on a namespace of its own, smallest first. */
  readonly backfillUsers: readonly number[];
  readonly backfillWorkers: number;
  /** People whose reconcile's round trips are counted after each backfill. */
  readonly roundTripSample: number;
  readonly batchSize: number;
  /** The soak: how long it writes, and how many records per second across the synced systems. */
  readonly soakMinutes: number;
  readonly soakRate: number;
  /** Sync Supabase wherever the local auth server runs (false: three systems even there). */
  readonly supabase: boolean;
  readonly scenarios: readonly Scenario[];
  readonly outDir: string;
  /** Where the propagation's and the backfill's worker processes and the audit process write a CPU profile (node --cpu-prof); none by default. */
  readonly profileDir: string | undefined;
}

/** Full-run defaults (the backfill of 100,000 people takes most of the run) and the --quick ones (a few minutes). */
export const DEFAULTS = {
  full: { writes: 400, rate: 200, burst: 400, auditSizes: [10_000, 100_000], baselineSample: 1_000, backfillUsers: [1_000, 100_000], soakMinutes: 10 },
  quick: { writes: 200, rate: 200, burst: 200, auditSizes: [2_000], baselineSample: 200, backfillUsers: [300, 3_000], soakMinutes: 2 },
} as const;
const MILLION = 1_000_000;
const DEFAULT_BATCH_SIZE = 1_000;
const DEFAULT_BACKFILL_WORKERS = 2;
const DEFAULT_ROUND_TRIP_SAMPLE = 200;
const DEFAULT_SOAK_RATE = 50;

function positiveInteger(value: string): number {
  const parsed = Number(value.replaceAll('_', ''));
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError('expected a positive integer');
  return parsed;
}

function sizeList(value: string): number[] {
  return value.split(',').map(positiveInteger);
}

function scenarioList(value: string): Scenario[] {
  const names = value.split(',');
  const unknown = names.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown scenario ${unknown.join(', ')} (known: ${SCENARIOS.join(', ')})`);
  return names as Scenario[];
}

interface RawFlags {
  quick?: boolean;
  writes?: number;
  rate?: number;
  burst?: number;
  auditSizes?: number[];
  million?: boolean;
  baselineSample?: number;
  backfillUsers?: number[];
  backfillWorkers: number;
  roundTripSample: number;
  batchSize: number;
  soakMinutes?: number;
  soakRate: number;
  supabase: boolean;
  only: Scenario[];
  out: string;
  profileDir?: string;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const full = DEFAULTS.full;
  const quick = DEFAULTS.quick;
  const program = new Command('bench')
    .description('idsync benchmarks: propagation latency, worker scale-out, audit scale, backfill; each beside a same-run baseline')
    .option('--quick', `a run of a few minutes (writes ${quick.writes}, burst ${quick.burst}, audit ${quick.auditSizes.join('/')}, backfill ${quick.backfillUsers.join('/')})`)
    .option('--writes <n>', `CRM users written at the steady rate (default ${full.writes})`, positiveInteger)
    .option('--rate <n>', `steady write rate per second (default ${full.rate})`, positiveInteger)
    .option('--burst <n>', `CRM users written at once for reconciles per second (default ${full.burst})`, positiveInteger)
    .option('--audit-sizes <list>', `people seeded for the audit, comma-separated (default ${full.auditSizes.join(',')})`, sizeList)
    .option('--million', 'also audit 1,000,000 people (long; needs several GB for the MongoDB test server)')
    .option('--baseline-sample <n>', `people the per-user loop checks before extrapolating (default ${full.baselineSample})`, positiveInteger)
    .option('--backfill-users <list>', `population sizes the backfill runs at, comma-separated (default ${full.backfillUsers.join(',')})`, sizeList)
    .option('--backfill-workers <n>', 'worker processes for the backfill', positiveInteger, DEFAULT_BACKFILL_WORKERS)
    .option('--round-trip-sample <n>', 'people whose reconcile round trips are counted after each backfill', positiveInteger, DEFAULT_ROUND_TRIP_SAMPLE)
    .option('--batch-size <n>', 'AUDIT_BATCH_SIZE for the audit and the backfill', positiveInteger, DEFAULT_BATCH_SIZE)
    .option('--soak-minutes <n>', `how long the soak writes (default ${full.soakMinutes}; --quick ${quick.soakMinutes})`, positiveInteger)
    .option('--soak-rate <n>', 'records the soak writes per second, across the synced systems', positiveInteger, DEFAULT_SOAK_RATE)
    .option('--no-supabase', 'sync three systems even where the local Supabase Auth server runs')
    .option('--only <list>', `scenarios to run (${SCENARIOS.join(',')}; default ${DEFAULT_SCENARIOS.join(',')})`, scenarioList, [...DEFAULT_SCENARIOS])
    .option('--out <dir>', 'where the JSON and the SVG go', path.join(import.meta.dirname, 'out'))
    .option('--profile-dir <dir>', 'write a CPU profile of each propagation and backfill worker process and of each audit process (the first audit and the same audit again) here (default: none)');
  program.parse(argv, { from: 'user' });
  const flags = program.opts<RawFlags>();
  const preset = flags.quick ? quick : full;
  const auditSizes = flags.auditSizes ?? [...preset.auditSizes];
  return {
    quick: flags.quick ?? false,
    writes: flags.writes ?? preset.writes,
    rate: flags.rate ?? preset.rate,
    burst: flags.burst ?? preset.burst,
    auditSizes: flags.million ? [...auditSizes, MILLION] : auditSizes,
    baselineSample: flags.baselineSample ?? preset.baselineSample,
    backfillUsers: [...new Set(flags.backfillUsers ?? preset.backfillUsers)].sort((left, right) => left - right),
    backfillWorkers: flags.backfillWorkers,
    roundTripSample: flags.roundTripSample,
    batchSize: flags.batchSize,
    soakMinutes: flags.soakMinutes ?? preset.soakMinutes,
    soakRate: flags.soakRate,
    supabase: flags.supabase,
    scenarios: flags.only,
    outDir: flags.out,
    profileDir: flags.profileDir === undefined ? undefined : path.resolve(flags.profileDir),
  };
}
