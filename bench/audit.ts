import { loadConfig } from '../src/config/load-config.ts';
import type { Platform } from '../src/ids/index.ts';
import type { Adapters } from '../src/platforms/platform-adapter.ts';
import type { AuditChildResult, MemorySample } from './audit-child.ts';
import { openCountedStores, STORES } from './counted-stores.ts';
import type { RoundTrips } from './counted-stores.ts';
import { createNamespace, profileEnv, runBenchChild, teardown } from './namespace.ts';
import type { System } from './namespace.ts';
import { seedLinkedPeople } from './seed.ts';
import { cpuUsage, snapshotCpu } from './system.ts';

/*
 * Scenario 3: the audit of N people seeded across the three systems that run here, in a child
 * process of its own (seconds, peak RSS, round trips), beside the guide's per-user loop
 * (`checkSyncStatus` for each user in sequence: load the CRM user, then check each id it claims)
 * timed on a sample of the same data and extrapolated to N. Then the same audit again: the first
 * wrote every row of the link index, the second finds them held, as every later audit does.
 */

const MS_PER_SECOND = 1_000;

export interface PerUserLoop {
  readonly sample: number;
  readonly seconds: number;
  readonly roundTrips: number;
  /** The sample's time and round trips scaled to every person. */
  readonly extrapolatedSeconds: number;
  readonly extrapolatedRoundTrips: number;
}

export interface AuditResult {
  readonly people: number;
  readonly systems: readonly System[];
  readonly batchSize: number;
  readonly seedSeconds: number;
  readonly seconds: number;
  /** The scan's share of `seconds`; the rest is grouping, planning and writing the ledger. */
  readonly scanSeconds: number;
  /** Cores the audit process used on average (its CPU seconds / `seconds`). */
  readonly auditCores: number;
  /** Cores the services used over the same time, per process group (the audit process itself is gone by then). */
  readonly serviceCores: Record<string, number>;
  readonly peakRssMiB: number;
  readonly rssBeforeMiB: number;
  /** What the resident set held at its highest sample. */
  readonly peakSample: MemorySample;
  readonly roundTrips: RoundTrips & { total: number };
  readonly inconsistent: number;
  readonly enqueued: number;
  readonly perUserLoop: PerUserLoop;
  /** extrapolated per-user loop seconds / audit seconds. */
  readonly speedUp: number;
  /** The same audit run again on the same data, the link index now built (no repair ran in between). */
  readonly again: AuditAgain;
}

export interface AuditAgain {
  readonly seconds: number;
  readonly scanSeconds: number;
  readonly auditCores: number;
  readonly serviceCores: Record<string, number>;
  readonly peakRssMiB: number;
}

const sum = (trips: RoundTrips) => STORES.reduce((total, store) => total + trips[store], 0);

export interface AuditOptions {
  readonly batchSize: number;
  /** People the per-user loop is timed on. */
  readonly sample: number;
  readonly withSupabase: boolean;
  /** Where the audit process writes a CPU profile; none when undefined. */
  readonly profileDir: string | undefined;
}

export async function runAudit(people: number, { batchSize, sample, withSupabase, profileDir }: AuditOptions): Promise<AuditResult> {
  const namespace = await createNamespace(withSupabase);
  const { stores } = namespace;
  try {
    const seedStarted = performance.now();
    await seedLinkedPeople(namespace, people);
    const seedSeconds = (performance.now() - seedStarted) / MS_PER_SECOND;
    const env = { ...namespace.env, AUDIT_BATCH_SIZE: String(batchSize), LOG_LEVEL: 'warn' };
    const { result, serviceCores } = await timeAudit({ ...env, ...profileEnv(profileDir) });
    const again = await timeAudit({ ...env, ...profileEnv(profileDir) });
    const ids = (await stores.crm.collection('User').find({}, { projection: { _id: 1 } }).limit(sample).toArray()).map((doc) => String(doc._id));
    const loop = await perUserLoop(env, ids, people);
    return {
      people,
      systems: namespace.systems,
      batchSize,
      seedSeconds,
      seconds: result.seconds,
      scanSeconds: result.scanSeconds,
      auditCores: result.cpuSeconds / result.seconds,
      serviceCores,
      peakRssMiB: result.peakRssMiB,
      rssBeforeMiB: result.rssBeforeMiB,
      peakSample: result.peakSample,
      roundTrips: { ...result.roundTrips, total: sum(result.roundTrips) },
      inconsistent: result.report.inconsistent,
      enqueued: result.report.enqueued,
      perUserLoop: loop,
      speedUp: loop.extrapolatedSeconds / result.seconds,
      again: {
        seconds: again.result.seconds,
        scanSeconds: again.result.scanSeconds,
        auditCores: again.result.cpuSeconds / again.result.seconds,
        serviceCores: again.serviceCores,
        peakRssMiB: again.result.peakRssMiB,
      },
    };
  } finally {
    await teardown(namespace, []);
  }
}

/** One audit in its child process, and the cores the services used meanwhile. */
async function timeAudit(env: Record<string, string>): Promise<{ result: AuditChildResult; serviceCores: Record<string, number> }> {
  const cpuBefore = snapshotCpu();
  const { result } = await runBenchChild<AuditChildResult>('audit-child.ts', env);
  return { result, serviceCores: cpuUsage(cpuBefore, snapshotCpu(), new Map([[process.pid, 'bench']])) };
}

/** The guide's `checkSyncStatus(userId)`: the CRM user, then one lookup per platform id it holds. */
async function checkSyncStatus(adapters: Adapters, userId: string): Promise<{ inSync: Platform[]; issues: string[] }> {
  const user = await adapters.crm?.get(userId);
  const status = { inSync: [] as Platform[], issues: [] as string[] };
  for (const [platform, id] of Object.entries(user?.links ?? {}) as Array<[Platform, string]>) {
    const found = await adapters[platform]?.get(id);
    if (found) status.inSync.push(platform);
    else status.issues.push(`Invalid ID for platform: ${platform}`);
  }
  return status;
}

async function perUserLoop(env: Record<string, string>, ids: readonly string[], people: number): Promise<PerUserLoop> {
  const stores = await openCountedStores(loadConfig({ NODE_ENV: 'test', ...env }));
  try {
    stores.reset();
    const startedAt = performance.now();
    for (const id of ids) await checkSyncStatus(stores.adapters, id);
    const seconds = (performance.now() - startedAt) / MS_PER_SECOND;
    const roundTrips = sum(stores.roundTrips());
    const scale = people / ids.length;
    return { sample: ids.length, seconds, roundTrips, extrapolatedSeconds: seconds * scale, extrapolatedRoundTrips: Math.round(roundTrips * scale) };
  } finally {
    await stores.close();
  }
}
