import type { Job } from 'bullmq';
import { scannablePlatforms } from '../audit/scan.ts';
import { codes, IdsyncError } from '../errors.ts';
import { PLATFORMS } from '../ids/index.ts';
import type { Platform } from '../ids/index.ts';
import type { Trigger } from '../ledger/provenance.ts';
import type { PlatformAdapter } from '../platforms/platform-adapter.ts';
import { backfillPlatform } from './backfill.ts';
import { invalidPayload } from './job-errors.ts';
import { createMaintenanceRuns } from './maintenance-run.ts';
import type { MaintenanceRun, RunEnd } from './maintenance-run.ts';
import { backfillJobSchema, runIdOf } from './maintenance-payloads.ts';
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

/**
 * The `backfill` job (issue 6): every record of the chosen systems gets a reconcile, in bulk,
 * through the one backfill (./backfill.ts), with a checkpoint after every batch.
 */
export function createBackfillProcessor(deps: MaintenanceDependencies, config: MaintenanceConfig, options: BackfillOptions = {}) {
  const runs = createMaintenanceRuns(deps);
  return async (job: Job): Promise<BackfillReport> => {
    const parsed = backfillJobSchema.safeParse(job.data);
    if (!parsed.success) throw invalidPayload(parsed.error);
    const { trigger } = parsed.data;
    const platforms = chosenPlatforms(deps, config, parsed.data.platforms);
    const runId = runIdOf(job);
    const progress = checkpointOf(job.progress);
    const resumed = progress.done.length > 0 || progress.lastId !== null;
    const failed = (): RunEnd => ({ status: 'failed', counts: { enqueued: progress.enqueued } });
    const run: MaintenanceRun = { id: runId, kind: 'backfill', trigger, onFailure: failed };
    const context: BackfillContext = { deps, config, job, trigger, options };
    const report = await runs.run(
      run,
      async () => {
        for (const platform of platforms.filter((candidate) => !progress.done.includes(candidate))) {
          await backfillOne(context, deps.adapters[platform] as PlatformAdapter, progress);
        }
        return { runId, platforms, enqueued: progress.enqueued, total: total(progress), resumed };
      },
      (done) => ({ status: 'completed', counts: { ...done } }),
    );
    deps.logger.info({ runId, total: report.total, resumed }, 'backfill finished');
    return report;
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

/** One system through the one backfill, resuming from the checkpoint when it is this system's. */
async function backfillOne(context: BackfillContext, adapter: PlatformAdapter, progress: BackfillProgress): Promise<void> {
  const { deps, config, job, trigger } = context;
  const platform = adapter.platform;
  await backfillPlatform({
    queues: deps.queues,
    adapter,
    trigger,
    batchSize: config.maintenance.batchSize,
    resumeAfter: progress.platform === platform ? progress.lastId : null,
    afterBatch: async (batch) => {
      progress.enqueued[platform] = (progress.enqueued[platform] ?? 0) + batch.enqueued;
      Object.assign(progress, { platform, lastId: batch.lastId });
      await job.updateProgress({ ...progress });
      await context.options.afterBatch?.(progress);
    },
  });
  Object.assign(progress, { platform: null, lastId: null, done: [...progress.done, platform] });
  await job.updateProgress({ ...progress });
}

function total(progress: BackfillProgress): number {
  return Object.values(progress.enqueued).reduce((sum, count) => sum + (count ?? 0), 0);
}
