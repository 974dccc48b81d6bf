import { enqueueProfilesBulk, enqueueReconcilesBulk } from '../audit/enqueue-bulk.ts';
import type { Trigger } from '../ledger/provenance.ts';
import type { PlatformAdapter } from '../platforms/platform-adapter.ts';
import type { Queues } from '../queues/queues.ts';
import type { ReconcileKind } from '../queues/reconcile-lanes.ts';

/*
 * The one backfill: every caller that wants "reconcile every record of this system" comes here.
 * The maintenance `backfill` job (the CLI's `idsync backfill`, POST /api/backfill, a Realtime
 * (re-)subscription) calls it once per chosen system, saving its checkpoint after each batch; a
 * MongoDB watcher whose history is lost calls it through its change sink, before it saves its new
 * stream position.
 */

/** One batch handed to Redis: its last record, and how many records it enqueued. */
export interface BackfillBatch {
  readonly lastId: string;
  readonly enqueued: number;
}

export interface PlatformBackfill {
  readonly queues: Queues;
  /** The system to enumerate (its scan, in id order). */
  readonly adapter: PlatformAdapter;
  readonly trigger: Trigger;
  /** Records per scan round trip, and so jobs per addBulk (AUDIT_BATCH_SIZE). */
  readonly batchSize: number;
  /** The reconcile job kind: people ('user') or clients ('client'). Default: 'user'. */
  readonly kind?: ReconcileKind;
  /**
   * Also a `propagate profile` job per CRM user, for a caller that cannot tell which profiles
   * changed (a watcher whose history is lost). Default: false: a reconcile that writes a link
   * enqueues the user's profile job itself.
   */
  readonly profiles?: boolean;
  /**
   * A retried run's checkpoint: records up to and including this id are skipped (compared for
   * equality, so no collation matters). Default: null, from the first record.
   */
  readonly resumeAfter?: string | null;
  /** Called once each batch is in Redis (a checkpoint is saved here). Default: none. */
  readonly afterBatch?: (batch: BackfillBatch) => void | Promise<void>;
}

/**
 * Enumerates one system in id order and enqueues a reconcile per record, batch by batch, with
 * addBulk in the bulk lane (deduplicated per record, so a record already waiting is not queued
 * twice). Resolves with the number of records enqueued, once every job is in Redis. When the
 * checkpoint's record is gone, the system is enumerated again from the start (re-enqueuing is
 * harmless).
 */
export async function backfillPlatform(request: PlatformBackfill): Promise<number> {
  const { adapter, queues, trigger, batchSize } = request;
  const resumeAfter = request.resumeAfter ?? null;
  const withProfiles = (request.profiles ?? false) && adapter.platform === 'crm' && (request.kind ?? 'user') === 'user';
  let skipping = resumeAfter !== null;
  let enqueued = 0;
  for await (const batch of adapter.scan({ batchSize })) {
    const at = skipping ? batch.findIndex((record) => record.id === resumeAfter) : -1;
    if (skipping && at < 0) continue;
    skipping = false;
    const fresh = batch.slice(at + 1).map((record) => ({ platform: record.platform, id: record.id }));
    await enqueueReconcilesBulk(queues.byName.reconcile, fresh, trigger, { chunkSize: batchSize, kind: request.kind });
    if (withProfiles) await enqueueProfilesBulk(queues.byName.propagate, fresh.map((key) => key.id), trigger, { chunkSize: batchSize });
    enqueued += fresh.length;
    const last = batch.at(-1);
    if (last !== undefined) await request.afterBatch?.({ lastId: last.id, enqueued: fresh.length });
  }
  if (skipping) return backfillPlatform({ ...request, resumeAfter: null });
  return enqueued;
}
