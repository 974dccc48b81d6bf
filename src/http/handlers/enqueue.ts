import { codes, InvalidInputError } from '../../errors.ts';
import { formatRecordKey, requireRawId } from '../../ids/index.ts';
import type { Platform } from '../../ids/index.ts';
import type { Trigger } from '../../ledger/provenance.ts';
import type { Adapters } from '../../platforms/platform-adapter.ts';
import type { Queues } from '../../queues/queues.ts';
import { requireExistingRecord } from '../../reconcile/require-record.ts';
import { RequestValidationError } from '../http-errors.ts';
import type { AuditBody, BackfillBody, ReconcileBody } from '../request-schemas.ts';

/** What the enqueueing endpoints need. */
export interface EnqueueContext {
  readonly queues: Queues;
  /** The platforms this deployment syncs (src/platforms/registry.ts): a request naming another is refused. */
  readonly platforms: readonly Platform[];
  /** The synced platforms' adapters: a reconcile of a record that does not exist is a 404. Default: none (not checked). */
  readonly adapters?: Adapters;
}

/** The answer of every enqueueing endpoint (202 Accepted). */
export interface Enqueued {
  readonly queue: string;
  readonly name: string;
  /** The BullMQ job id (for maintenance jobs also the run id in the ledger). */
  readonly jobId: string | undefined;
  readonly key?: string;
}

const API_TRIGGER: Trigger = { type: 'command', via: 'api' };

/** POST /api/reconcile: one person, from one of their records, deduplicated per record. */
export async function enqueueReconcile(context: EnqueueContext, body: ReconcileBody): Promise<Enqueued> {
  requireSynced(context, [body.platform], 'platform');
  let id: string;
  try {
    id = requireRawId(body.platform, body.id);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new RequestValidationError([{ field: 'id', code: error.code, message: error.message }]);
  }
  const key = { platform: body.platform, id };
  if (context.adapters) await requireExistingRecord(context.adapters, key);
  const jobId = await context.queues.enqueueReconcile(key, API_TRIGGER);
  return { queue: 'reconcile', name: 'user', jobId, key: formatRecordKey(key) };
}

/** POST /api/audit: an audit run now, on the maintenance queue (its processor is src/jobs/audit-processor.ts). */
export async function enqueueAudit(context: EnqueueContext, body: AuditBody): Promise<Enqueued> {
  return addMaintenance(context, 'audit', { trigger: API_TRIGGER, ...(body?.reportOnly === undefined ? {} : { reportOnly: body.reportOnly }) });
}

/** POST /api/backfill: enqueue everyone on the named platforms (default: every synced one). */
export async function enqueueBackfill(context: EnqueueContext, body: BackfillBody): Promise<Enqueued> {
  if (body.platforms) requireSynced(context, body.platforms, 'platforms');
  return addMaintenance(context, 'backfill', { trigger: API_TRIGGER, ...(body.platforms ? { platforms: body.platforms } : {}) });
}

async function addMaintenance(context: EnqueueContext, name: 'audit' | 'backfill', data: Record<string, unknown>): Promise<Enqueued> {
  const job = await context.queues.enqueueMaintenance(name, data);
  return { queue: 'maintenance', name, jobId: job.id };
}

function requireSynced(context: EnqueueContext, platforms: readonly Platform[], field: string): void {
  const issues = platforms
    .map((platform, index) => ({ platform, index }))
    .filter(({ platform }) => !context.platforms.includes(platform))
    .map(({ platform, index }) => ({
      field: field === 'platform' ? field : `${field}.${index}`,
      code: codes.PLATFORM_NOT_SYNCED,
      message: `${platform} is not synced by this deployment (synced: ${context.platforms.join(', ') || 'none'})`,
    }));
  if (issues.length > 0) throw new RequestValidationError(issues);
}
