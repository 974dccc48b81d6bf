import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { createAuditProcessor } from '../jobs/audit-processor.ts';
import type { AuditReport } from '../jobs/audit-processor.ts';
import { isRetryable } from '../src/app/adapters.ts';
import { newRunId } from '../src/audit/run-id.ts';
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
  readonly roundTrips: RoundTrips;
  /** process.resourceUsage().maxRSS, in MiB: the peak of the whole process. */
  readonly peakRssMiB: number;
  /** Resident set once connected, before the audit started. */
  readonly rssBeforeMiB: number;
  readonly report: AuditReport;
}

const KIB = 1_024;
const MIB = KIB * KIB;

const config = loadConfig(process.env);
const logger = createLogger({ level: 'warn' });
const stores = await openCountedStores(config);
await migrateLedger(stores.ledger.pool, logger);
const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
const queues = createQueues({ connection: redis, prefix: config.redis.queuePrefix });
const audit = createAuditProcessor({ adapters: stores.adapters, ledgerPool: stores.ledger.pool, ledger: createLedger(stores.ledger.pool), queues, logger, isRetryable }, config);
const job = { id: newRunId('audit'), name: 'audit', data: { trigger: { type: 'command', via: 'cli' } }, updateProgress: async () => undefined } as unknown as Job;
const rssBeforeMiB = process.memoryUsage().rss / MIB;
stores.reset();
const startedAt = performance.now();
const report = (await audit(job)) as AuditReport;
const seconds = (performance.now() - startedAt) / 1_000;
const roundTrips = stores.roundTrips();
const result: AuditChildResult = { seconds, roundTrips, peakRssMiB: process.resourceUsage().maxRSS / KIB, rssBeforeMiB, report };
await queues.close();
redis.disconnect();
await stores.close();
console.log(JSON.stringify(result));
