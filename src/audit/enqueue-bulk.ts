import type { Queue } from 'bullmq';
import type { RecordKey } from '../ids/index.ts';
import type { Trigger } from '../ledger/provenance.ts';
import type { PropagateProfileJobData, ReconcileJobData } from '../queues/job-payloads.ts';
import { profileJobOptions } from '../queues/queues.ts';
import { reconcileJobOptions } from '../queues/reconcile-lanes.ts';
import type { ReconcileKind } from '../queues/reconcile-lanes.ts';

export interface BulkEnqueueOptions {
  /** Jobs per addBulk call (one Redis round trip each). Default: 1000. */
  chunkSize?: number;
  /** Delay before each job runs, in ms. Default: 0. */
  delayMs?: number;
  /** The reconcile job kind: people ('user') or clients ('client'). Default: 'user'. */
  kind?: ReconcileKind;
}

const DEFAULTS = { chunkSize: 1000, delayMs: 0, kind: 'user' } as const;

/**
 * Enqueues one reconcile job per record with addBulk, in the bulk lane (behind live changes) and
 * deduplicated per record exactly as Queues.enqueueReconcile(…, 'bulk') does, so a record already
 * waiting there is not queued twice. Returns how many jobs were handed to Redis (deduplicated ones
 * included).
 */
export async function enqueueReconcilesBulk(
  queue: Queue,
  keys: readonly RecordKey[],
  trigger: Trigger,
  options: BulkEnqueueOptions = {},
): Promise<number> {
  const kind = options.kind ?? DEFAULTS.kind;
  const delayMs = options.delayMs ?? DEFAULTS.delayMs;
  return addInChunks(queue, keys, options, (key) => {
    const data: ReconcileJobData = { platform: key.platform, id: key.id, trigger };
    return { name: kind, data, opts: reconcileJobOptions(key, kind, 'bulk', delayMs) };
  });
}

/**
 * Enqueues one `propagate profile` job per CRM user with addBulk, deduplicated per CRM id exactly
 * as Queues.enqueuePropagateProfile does. The ids must be canonical CRM ids (an adapter's). Returns
 * how many jobs were handed to Redis.
 */
export async function enqueueProfilesBulk(
  queue: Queue,
  crmIds: readonly string[],
  trigger: Trigger,
  options: Omit<BulkEnqueueOptions, 'kind'> = {},
): Promise<number> {
  const delayMs = options.delayMs ?? DEFAULTS.delayMs;
  return addInChunks(queue, crmIds, options, (crmId) => {
    const data: PropagateProfileJobData = { crmId, trigger };
    return { name: 'profile', data, opts: profileJobOptions(crmId, delayMs) };
  });
}

type BulkJob = Parameters<Queue['addBulk']>[0][number];

async function addInChunks<T>(queue: Queue, items: readonly T[], options: BulkEnqueueOptions, toJob: (item: T) => BulkJob): Promise<number> {
  const chunkSize = options.chunkSize ?? DEFAULTS.chunkSize;
  for (let start = 0; start < items.length; start += chunkSize) {
    await queue.addBulk(items.slice(start, start + chunkSize).map(toJob));
  }
  return items.length;
}
