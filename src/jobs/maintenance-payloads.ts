import type { Job } from 'bullmq';
import { z } from 'zod';
import type { Config } from '../config/load-config.ts';
import { PLATFORMS } from '../ids/index.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { Logger } from '../logging/logger.ts';
import type { Queues } from '../queues/queues.ts';
import { triggerSchema } from '../queues/job-payloads.ts';
import { errorCode } from './job-errors.ts';
import type { Adapters } from '../platforms/platform-adapter.ts';
import type { Pool } from 'pg';

/** Payloads of the maintenance queue's jobs. The run id is the job's id. */
export const auditJobSchema = z.object({
  trigger: triggerSchema,
  /** Record the run, statuses and findings, but enqueue no reconcile. Default: false. */
  reportOnly: z.boolean().default(false),
});

const CLEANUP_MODES = ['report', 'apply'] as const;

export const cleanupJobSchema = z
  .object({
    trigger: triggerSchema,
    /** Set by `idsync cleanup confirm`: the run, awaiting confirmation, that this job carries out. */
    confirmRunId: z.string().min(1).max(200).optional(),
    /**
     * Set by `idsync cleanup run`: the CLEANUP_MODE of the command that enqueued the run, which the
     * operator sees. Default: the worker's CLEANUP_MODE (scheduled runs). A confirmed run applies.
     */
    mode: z.enum(CLEANUP_MODES).optional(),
    /**
     * Set by `idsync cleanup run`: the CLEANUP_MAX_FRACTION of the command that enqueued the run, the
     * share of all links above which the breaker holds it. Default: the worker's (scheduled runs).
     */
    maxFraction: z.number().min(0).max(1).optional(),
  })
  .refine((data) => data.confirmRunId === undefined || data.mode === undefined, {
    path: ['mode'],
    error: 'a confirmation carries out the held run (apply): it takes no mode',
  })
  .refine((data) => data.confirmRunId === undefined || data.maxFraction === undefined, {
    path: ['maxFraction'],
    error: 'a confirmation carries out the held run as the operator saw it: it takes no breaker fraction',
  });

export const backfillJobSchema = z.object({
  trigger: triggerSchema,
  /** The systems whose records are enumerated. Default: every synced system with an adapter. */
  platforms: z.array(z.enum(PLATFORMS)).min(1).max(PLATFORMS.length).optional(),
});

export type AuditJobData = z.input<typeof auditJobSchema>;
export type CleanupJobData = z.input<typeof cleanupJobSchema>;
export type BackfillJobData = z.input<typeof backfillJobSchema>;

/** What the maintenance processors need; the composition root (src/app/start.ts) provides it. */
export interface MaintenanceDependencies {
  readonly adapters: Adapters;
  readonly ledgerPool: Pool;
  readonly ledger: Ledger;
  /** The reconcile queue receives the repairs; the maintenance queue the schedules. */
  readonly queues: Queues;
  readonly logger: Logger;
  /** Whether a driver error may pass on retry (it is then recorded as codes.STORE_UNAVAILABLE). Default: never. */
  readonly isRetryable?: (error: unknown) => boolean;
}

/** The stable code of a maintenance run's failure, for its audit_runs row. */
export function runErrorCode(deps: MaintenanceDependencies, error: unknown): string {
  return errorCode(error, deps.isRetryable ?? (() => false));
}

export type MaintenanceConfig = Pick<Config, 'platforms' | 'requiredPlatforms' | 'policy' | 'maintenance'>;

/** The run id of a maintenance job: its BullMQ id (`repeat:<scheduler>:<millis>` when scheduled). */
export function runIdOf(job: Job): string {
  if (job.id === undefined) throw new Error('a maintenance job has an id once it is processed');
  return job.id;
}
