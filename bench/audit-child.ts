import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { createAuditProcessor } from '../src/jobs/audit-processor.ts';
import type { AuditReport } from '../src/jobs/audit-processor.ts';
import { isRetryable } from '../src/platforms/registry.ts';
import { newRunId } from '../src/queues/run-id.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { createLedger } from '../src/ledger/ledger.ts';
import { migrateLedger } from '../src/ledger/migrate.ts';
import { createLogger } from '../src/logging/logger.ts';
import { createQueues } from '../src/queues/queues.ts';
import { openCountedStores } from './counted-stores.ts';
import type { RoundTrips } from './counted-stores.ts';

/*
 * One audit run, alone in this process so that its peak resident set is the audit's: the real
 * audit job's processor (scan, group, plan, sync_status and findings written, repairs enqueued)
 * on the namespace the environment names. Prints one JSON line.
 */

export interface AuditChildResult {
  readonly seconds: number;
  /** From the start to the scan's last batch; the rest is grouping, planning and the ledger. */
  readonly scanSeconds: number;
  /** CPU time of this process over the audit (user + system), in seconds. */
  readonly cpuSeconds: number;
  readonly roundTrips: RoundTrips;
  /** process.resourceUsage().maxRSS, in MiB: the peak of the whole process. */
  readonly peakRssMiB: number;
  /** Resident set once connected, before the audit started. */
  readonly rssBeforeMiB: number;
  /** The sample of process.memoryUsage() with the highest resident set, in MiB, and when it was taken. */
  readonly peakSample: MemorySample;
  readonly report: AuditReport;
}

/** One process.memoryUsage() sample, in MiB; `atSeconds` from the audit's start (compare `scanSeconds`). */
export interface MemorySample {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly atSeconds: number;
}

const KIB = 1_024;
const MIB = KIB * KIB;
const SAMPLE_MS = 200;

const config = loadConfig(process.env);
const logger = createLogger({ level: 'warn' });
const stores = await openCountedStores(config);
await migrateLedger(stores.ledger.pool, logger);
const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
const queues = createQueues({ connection: redis, prefix: config.redis.queuePrefix });
const audit = createAuditProcessor({ adapters: stores.adapters, ledgerPool: stores.ledger.pool, ledger: createLedger(stores.ledger.pool), queues, logger, isRetryable }, config);
// The audit job reports progress once per scanned batch: the last report marks the scan's end.
let lastBatchAt = 0;
const updateProgress = async () => {
  lastBatchAt = performance.now();
};
const job = { id: newRunId('audit'), name: 'audit', data: { trigger: { type: 'command', via: 'cli' } }, updateProgress } as unknown as Job;
const rssBeforeMiB = process.memoryUsage().rss / MIB;
stores.reset();
const startedAt = performance.now();
const cpuBefore = process.cpuUsage();
let peakSample = sampleMemory(startedAt);
const sampler = setInterval(() => {
  const sample = sampleMemory(startedAt);
  if (sample.rss > peakSample.rss) peakSample = sample;
}, SAMPLE_MS);
const report = (await audit(job)) as AuditReport;
clearInterval(sampler);
const seconds = (performance.now() - startedAt) / 1_000;
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1_000_000;
const scanSeconds = (lastBatchAt - startedAt) / 1_000;
const roundTrips = stores.roundTrips();
const result: AuditChildResult = { seconds, scanSeconds, cpuSeconds, roundTrips, peakRssMiB: process.resourceUsage().maxRSS / KIB, rssBeforeMiB, peakSample, report };
await queues.close();
redis.disconnect();
await stores.close();
console.log(JSON.stringify(result));

/** Where the resident set is now. */
function sampleMemory(started: number): MemorySample {
  const usage = process.memoryUsage();
  const mib = (bytes: number) => Math.round(bytes / MIB);
  const atSeconds = (performance.now() - started) / 1_000;
  return { rss: mib(usage.rss), heapUsed: mib(usage.heapUsed), heapTotal: mib(usage.heapTotal), external: mib(usage.external), arrayBuffers: mib(usage.arrayBuffers), atSeconds };
}
