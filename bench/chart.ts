/*
 * A hand-written SVG histogram of latency distributions (no chart library): one series per
 * distribution, bars side by side per bucket, with percentile markers named in the legend.
 */

export interface Series {
  readonly label: string;
  readonly values: readonly number[];
  readonly color: string;
}

export interface HistogramOptions {
  readonly title: string;
  /** Bucket width in the values' unit. Default: chosen so that about 40 buckets cover the p99.9. */
  readonly bucketWidth?: number;
  readonly unit: string;
}

const WIDTH = 900;
const HEIGHT = 420;
const MARGIN = { left: 60, right: 20, top: 40, bottom: 70 };
const TARGET_BUCKETS = 40;
const TICKS = 5;
const TAIL_QUANTILE = 0.999;
const LEGEND_ROW = 16;

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function chooseBucketWidth(all: readonly number[]): number {
  const sorted = [...all].sort((left, right) => left - right);
  const tail = sorted[Math.floor(sorted.length * TAIL_QUANTILE)] ?? sorted.at(-1) ?? 1;
  const raw = Math.max(1, tail / TARGET_BUCKETS);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const steps = [1, 2, 5, 10];
  return (steps.find((step) => step * magnitude >= raw) ?? 10) * magnitude;
}

/** Counts per bucket; the last bucket also holds everything beyond it. */
function bucketize(values: readonly number[], width: number, buckets: number): number[] {
  const counts = new Array<number>(buckets).fill(0);
  for (const value of values) {
    const bucket = Math.min(buckets - 1, Math.floor(value / width));
    counts[bucket] = (counts[bucket] ?? 0) + 1;
  }
  return counts;
}

export function renderHistogram(series: readonly Series[], options: HistogramOptions): string {
  const all = series.flatMap((entry) => entry.values);
  const width = options.bucketWidth ?? chooseBucketWidth(all);
  const sortedAll = [...all].sort((left, right) => left - right);
  const limit = sortedAll[Math.floor(sortedAll.length * TAIL_QUANTILE)] ?? 0;
  const buckets = Math.max(1, Math.ceil((limit + 1) / width) + 1);
  const counts = series.map((entry) => bucketize(entry.values, width, buckets));
  const shares = counts.map((row, at) => row.map((count) => count / Math.max(1, series[at]?.values.length ?? 1)));
  const top = Math.max(...shares.flat(), Number.EPSILON);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const slot = plotWidth / buckets;
  const barWidth = slot / Math.max(1, series.length);
  const parts: string[] = [];
  shares.forEach((row, index) => {
    row.forEach((share, bucket) => {
      const barHeight = (share / top) * plotHeight;
      const x = MARGIN.left + bucket * slot + index * barWidth;
      const y = MARGIN.top + plotHeight - barHeight;
      parts.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0.5, barWidth - 0.5).toFixed(1)}" height="${barHeight.toFixed(1)}" fill="${series[index]?.color}"/>`);
    });
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`,
    ...axes(buckets, width, top, options.unit),
    ...parts,
    ...legend(series),
    '</svg>',
  ].join('\n');
}

function axes(buckets: number, width: number, top: number, unit: string): string[] {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const baseY = MARGIN.top + plotHeight;
  const lines = [
    `<line x1="${MARGIN.left}" y1="${baseY}" x2="${WIDTH - MARGIN.right}" y2="${baseY}" stroke="black"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${baseY}" stroke="black"/>`,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 30}" text-anchor="middle">${escapeXml(`${unit} (bucket ${width}; the last bucket holds the tail)`)}</text>`,
    `<text x="14" y="${MARGIN.top + plotHeight / 2}" transform="rotate(-90 14 ${MARGIN.top + plotHeight / 2})" text-anchor="middle">share of events per bucket</text>`,
  ];
  for (let tick = 0; tick <= TICKS; tick += 1) {
    const bucket = Math.round((tick / TICKS) * buckets);
    const x = MARGIN.left + (bucket / buckets) * plotWidth;
    lines.push(`<text x="${x.toFixed(1)}" y="${baseY + 15}" text-anchor="middle">${bucket * width}</text>`);
    const y = baseY - (tick / TICKS) * plotHeight;
    lines.push(`<text x="${MARGIN.left - 5}" y="${y.toFixed(1)}" text-anchor="end">${((tick / TICKS) * top * 100).toFixed(0)}%</text>`);
  }
  return lines;
}

function legend(series: readonly Series[]): string[] {
  return series.flatMap((entry, index) => {
    const y = MARGIN.top + index * LEGEND_ROW;
    const x = WIDTH - MARGIN.right - 320;
    return [`<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${entry.color}"/>`, `<text x="${x + 15}" y="${y}">${escapeXml(entry.label)}</text>`];
  });
}
