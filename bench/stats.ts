/** Small statistics and formatting helpers for the benchmark's table and JSON. */

export interface Distribution {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

const PERCENT = 100;

/** The value below which `percent` % of `sorted` lies (nearest rank). `sorted` ascends. */
export function percentile(sorted: readonly number[], percent: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((percent / PERCENT) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((left, right) => left - right);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
  };
}

/** The least-squares slope of y over x (NaN for fewer than two distinct x): the soak's RSS growth. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return variance > 0 ? covariance / variance : Number.NaN;
}

/** `measured / baseline`, or NaN when the baseline is zero or missing. */
export function ratio(measured: number, baseline: number): number {
  return baseline > 0 && Number.isFinite(baseline) ? measured / baseline : Number.NaN;
}

/** A number for the table: integers with separators, small values with `digits` decimals. */
export function formatNumber(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 1_000 || Number.isInteger(value)) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(digits);
}

export interface TableRow {
  readonly scenario: string;
  readonly metric: string;
  readonly measured: string;
  readonly baseline: string;
  readonly ratio: string;
}

const HEADER: TableRow = { scenario: 'scenario', metric: 'metric', measured: 'measured', baseline: 'baseline (same run)', ratio: 'ratio' };
const COLUMNS = ['scenario', 'metric', 'measured', 'baseline', 'ratio'] as const;

/** A Markdown table (readable as plain text too) of `rows`. */
export function renderTable(rows: readonly TableRow[]): string {
  const all = [HEADER, ...rows];
  const widths = COLUMNS.map((column) => Math.max(...all.map((row) => row[column].length)));
  const line = (row: TableRow) => `| ${COLUMNS.map((column, at) => row[column].padEnd(widths[at] ?? 0)).join(' | ')} |`;
  const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  return [line(HEADER), rule, ...rows.map(line)].join('\n');
}

export interface Goal {
  readonly goal: string;
  readonly measured: string;
  /** null when the figure was not measured in this run. */
  readonly met: boolean | null;
}

export function renderGoals(goals: readonly Goal[]): string {
  const verdict = (goal: Goal) => (goal.met === null ? 'not measured' : goal.met ? 'met' : 'NOT met');
  return goals.map((goal) => `- ${goal.goal}: ${verdict(goal)} (${goal.measured})`).join('\n');
}
