import type { Queue } from 'bullmq';
import type { RecordKey } from '../ids/index.ts';
import type { Trigger } from '../ledger/provenance.ts';
import type { ReconcileJobData } from '../queues/job-payloads.ts';
import { reconcileJobOptions } from '../queues/reconcile-lanes.ts';

export interface BulkEnqueueOptions {
  /** Jobs per addBulk call (one Redis round trip each). Default: 1000. */
  chunkSize?: number;
  /** Delay before each job runs, in ms. Default: 0. */
  delayMs?: number;
}

const DEFAULT_CHUNK_SIZE = 1000;

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
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  for (let start = 0; start < keys.length; start += chunkSize) {
    await queue.addBulk(keys.slice(start, start + chunkSize).map((key) => reconcileJob(key, trigger, options.delayMs ?? 0)));
  }
  return keys.length;
}

function reconcileJob(key: RecordKey, trigger: Trigger, delayMs: number) {
  const data: ReconcileJobData = { platform: key.platform, id: key.id, trigger };
  return { name: 'user', data, opts: reconcileJobOptions(key, 'user', 'bulk', delayMs) };
}
