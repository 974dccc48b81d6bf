import type { Job } from 'bullmq';
import type { Pool } from 'pg';
import { codes, IdsyncError } from '../errors.ts';
import { createLedger } from '../ledger/ledger.ts';
import type { Logger } from '../logging/logger.ts';
import type { Queues } from '../queues/queues.ts';
import type { Adapters } from '../platforms/platform-adapter.ts';
import { createAuditProcessor } from './audit-processor.ts';
import { createBackfillProcessor } from './backfill-processor.ts';
import type { BackfillOptions } from './backfill-processor.ts';
import { createCleanupProcessor } from './cleanup-processor.ts';
import type { MaintenanceConfig, MaintenanceDependencies } from './maintenance-payloads.ts';
import { ensureSchedules } from './schedules.ts';
import type { Processor } from './worker-runner.ts';

/** The maintenance queue's one processor: it runs `audit`, `cleanup-orphans` and `backfill` by job name. */
export function createMaintenanceProcessor(deps: MaintenanceDependencies, config: MaintenanceConfig, options: { backfill?: BackfillOptions } = {}): Processor {
  const byName: Record<string, Processor> = {
    audit: createAuditProcessor(deps, config),
    'cleanup-orphans': createCleanupProcessor(deps, config),
    backfill: createBackfillProcessor(deps, config, options.backfill),
  };
  return async (job: Job) => {
    const processor = byName[job.name];
    if (processor === undefined) throw new IdsyncError(codes.UNKNOWN_JOB, `no maintenance job named ${JSON.stringify(job.name.slice(0, 40))}`);
    return processor(job);
  };
}

export interface MaintenanceStartOptions {
  readonly adapters: Adapters;
  readonly ledgerPool: Pool;
  /** The process's queues (the caller owns and closes them). */
  readonly queues: Queues;
  readonly logger: Logger;
  /** Whether a driver error may pass on retry. Default: never. */
  readonly isRetryable?: (error: unknown) => boolean;
  /** Whether to create or update the audit and cleanup schedules. Default: true. */
  readonly schedule?: boolean;
}

export interface Maintenance {
  /** Hand these to startWorkers (one worker on the maintenance queue). */
  readonly processors: { readonly maintenance: Processor };
}

/**
 * Everything the maintenance queue needs on a worker process: the schedules (upserted, so a restart
 * leaves one of each) and the processor. The caller starts the worker.
 */
export async function startMaintenance(options: MaintenanceStartOptions, config: MaintenanceConfig): Promise<Maintenance> {
  const { queues } = options;
  if (options.schedule ?? true) await ensureSchedules(queues, config);
  const deps: MaintenanceDependencies = {
    adapters: options.adapters,
    ledgerPool: options.ledgerPool,
    ledger: createLedger(options.ledgerPool),
    queues,
    logger: options.logger,
    isRetryable: options.isRetryable,
  };
  return { processors: { maintenance: createMaintenanceProcessor(deps, config) } };
}
