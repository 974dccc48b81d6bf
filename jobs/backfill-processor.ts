import type { Job } from 'bullmq';
import { enqueueReconcilesBulk } from '../src/audit/enqueue-bulk.ts';
import { scannablePlatforms } from '../src/audit/scan.ts';
import { codes, IdsyncError } from '../src/errors.ts';
import { PLATFORMS } from '../src/ids/index.ts';
import type { Platform } from '../src/ids/index.ts';
import { createAuditRunStore } from '../src/ledger/audit-runs.ts';
import type { Trigger } from '../src/ledger/provenance.ts';
import type { PlatformAdapter } from '../src/platforms/platform-adapter.ts';
import { invalidPayload } from './job-errors.ts';
import { backfillJobSchema, runErrorCode, runIdOf } from './maintenance-payloads.ts';
import type { MaintenanceConfig, MaintenanceDependencies } from './maintenance-payloads.ts';

/**
 * The job's checkpoint, saved as its BullMQ progress after every batch: a retried job (after a
 * crash or a failure) resumes after `lastId` of `platform` and skips the platforms in `done`.
 */
export interface BackfillProgress {
  readonly phase: 'backfill';
  platform: Platform | null;
  lastId: string | null;
  done: Platform[];
  /** Records enqueued by every attempt so far, per platform. */
  enqueued: Partial<Record<Platform, number>>;
}

export interface BackfillReport {
  readonly runId: string;
  readonly platforms: readonly Platform[];
  readonly enqueued: Partial<Record<Platform, number>>;
  readonly total: number;
  /** Whether this attempt started from a previous attempt's checkpoint. */
  readonly resumed: boolean;
}

export interface BackfillOptions {
  /** Called after each batch's checkpoint is saved. Default: none. */
  afterBatch?: (progress: Readonly<BackfillProgress>) => void | Promise<void>;
}

/** The `backfill` job (issue 6): every record of the chosen systems gets a reconcile, in bulk. */
export function createBackfillProcessor(deps: MaintenanceDependencies, config: MaintenanceConfig, options: BackfillOptions = {}) {
  const runs = createAuditRunStore(deps.ledgerPool);
  return async (job: Job): Promise<BackfillReport> => {
    const parsed = backfillJobSchema.safeParse(job.data);
    if (!parsed.success) throw invalidPayload(parsed.error);
    const platforms = chosenPlatforms(deps, config, parsed.data.platforms);
    const runId = runIdOf(job);
    const progress = checkpointOf(job.progress);
    const resumed = progress.done.length > 0 || progress.lastId !== null;
    await runs.start(runId, 'backfill', parsed.data.trigger);
    try {
      for (const platform of platforms.filter((candidate) => !progress.done.includes(candidate))) {
        await backfillPlatform({ deps, config, job, trigger: parsed.data.trigger, options }, deps.adapters[platform] as PlatformAdapter, progress);
      }
      const report = { runId, platforms, enqueued: progress.enqueued, total: total(progress), resumed };
      await runs.finish(runId, 'completed', { ...report });
      deps.logger.info({ runId, total: report.total, resumed }, 'backfill finished');
      return report;
    } catch (error) {
      await runs.finish(runId, 'failed', { errorCode: runErrorCode(deps, error), enqueued: progress.enqueued }).catch(() => undefined);
      throw error;
    }
  };
}

function chosenPlatforms(deps: MaintenanceDependencies, config: MaintenanceConfig, requested: readonly Platform[] | undefined): Platform[] {
  const available = scannablePlatforms(deps.adapters, config.platforms);
  if (requested === undefined) return available;
  const unavailable = requested.filter((platform) => !available.includes(platform));
  if (unavailable.length > 0) {
    throw new IdsyncError(codes.PLATFORM_UNAVAILABLE, `cannot enumerate ${unavailable.join(', ')}: not synced or no adapter`);
  }
  return PLATFORMS.filter((platform) => requested.includes(platform));
}

function checkpointOf(value: unknown): BackfillProgress {
  const fresh: BackfillProgress = { phase: 'backfill', platform: null, lastId: null, done: [], enqueued: {} };
  if (typeof value !== 'object' || value === null || (value as { phase?: unknown }).phase !== 'backfill') return fresh;
  const saved = value as Partial<BackfillProgress>;
  return {
    phase: 'backfill',
    platform: PLATFORMS.find((platform) => platform === saved.platform) ?? null,
    lastId: typeof saved.lastId === 'string' ? saved.lastId : null,
    done: PLATFORMS.filter((platform) => Array.isArray(saved.done) && saved.done.includes(platform)),
    enqueued: typeof saved.enqueued === 'object' && saved.enqueued !== null ? { ...saved.enqueued } : {},
  };
}

interface BackfillContext {
  readonly deps: MaintenanceDependencies;
  readonly config: MaintenanceConfig;
  readonly job: Job;
  readonly trigger: Trigger;
  readonly options: BackfillOptions;
}

/**
 * Enumerates one system in id order and enqueues its records batch by batch. Resuming, it skips
 * records up to and including the checkpoint's id (compared for equality, so no collation matters);
 * when that record is gone, the system is enumerated again from the start (re-enqueuing is harmless).
 */
async function backfillPlatform(context: BackfillContext, adapter: PlatformAdapter, progress: BackfillProgress): Promise<void> {
  const resumeAfter = progress.platform === adapter.platform ? progress.lastId : null;
  let skipping = resumeAfter !== null;
  for await (const batch of adapter.scan({ batchSize: context.config.maintenance.batchSize })) {
    const at = skipping ? batch.findIndex((record) => record.id === resumeAfter) : -1;
    if (skipping && at < 0) continue;
    skipping = false;
    const fresh = batch.slice(at + 1).map((record) => ({ platform: record.platform, id: record.id }));
    await enqueueReconcilesBulk(context.deps.queues.byName.reconcile, fresh, context.trigger, { chunkSize: context.config.maintenance.batchSize });
    progress.enqueued[adapter.platform] = (progress.enqueued[adapter.platform] ?? 0) + fresh.length;
    Object.assign(progress, { platform: adapter.platform, lastId: batch.at(-1)?.id ?? null });
    await context.job.updateProgress({ ...progress });
    await context.options.afterBatch?.(progress);
  }
  if (skipping) {
    Object.assign(progress, { platform: null, lastId: null });
    return backfillPlatform(context, adapter, progress);
  }
  Object.assign(progress, { platform: null, lastId: null, done: [...progress.done, adapter.platform] });
  await context.job.updateProgress({ ...progress });
}

function total(progress: BackfillProgress): number {
  return Object.values(progress.enqueued).reduce((sum, count) => sum + (count ?? 0), 0);
}
