import { backfillPlatform } from '../jobs/backfill.ts';
import { formatRecordKey, PLATFORMS } from '../ids/index.ts';
import type { Platform, RecordKey } from '../ids/index.ts';
import { SETTING_DEFAULTS } from '../config/env-schema.ts';
import type { Trigger } from '../ledger/provenance.ts';
import { MAX_POSITION_CHARS } from '../queues/job-payloads.ts';
import type { Queues } from '../queues/queues.ts';
import type { ReconcileKind } from '../queues/reconcile-lanes.ts';
import type { LinkLookups } from '../link-index/link-index.ts';
import type { Adapters } from '../platforms/platform-adapter.ts';
import { withoutSettled } from './settled-changes.ts';
import type { SettledCheck } from './settled-changes.ts';

/*
 * What every watcher does with a change: enqueue the deduplicated reconcile job of the record it
 * names. A CRM user's profile follows from its reconcile (src/reconcile/reconcile-person.ts), so a
 * change gets no `propagate profile` job of its own; a backfill asks for one per CRM user.
 * Each method resolves only once every job is in Redis, because the caller saves its
 * checkpoint (resume token, LSN) right after: a rejection leaves the checkpoint where it was and the
 * events are delivered again (at-least-once; reconcile is idempotent).
 */

/** One record to reconcile and the change event that named it. Ids are canonical (validated by the caller). */
export interface RecordChange {
  readonly key: RecordKey;
  readonly trigger: Trigger;
}

export interface ChangeSink {
  /**
   * Enqueues one reconcile per change whose record does not read as settled (src/watchers/settled-changes.ts;
   * the queue deduplicates per record). Resolves with the count of reconciles.
   */
  reconcile(changes: readonly RecordChange[]): Promise<number>;
  /**
   * A record was deleted: enqueues a reconcile for each record, on every synced platform, that
   * claims it (they now hold a reference to clean up). The deleted record itself has nothing left
   * to reconcile.
   */
  reconcileClaimers(deleted: RecordKey, trigger: Trigger): Promise<number>;
  /**
   * Enqueues a reconcile for every record of `platform` (of the sink's kind) through the one
   * backfill (src/jobs/backfill.ts), and for CRM users a profile job each: what a watcher does when it
   * cannot tell which records changed (its history is gone), so a missed name or email change is
   * covered too. Resolves with the count of records, once every job is in Redis.
   */
  backfill(platform: Platform, trigger: Trigger): Promise<number>;
}

export interface ChangeSinkOptions extends SettledCheck {
  readonly queues: Queues;
  /** The synced platforms' adapters (of the sink's kind): what a backfill scans, whose claimers a delete enqueues, and whose changed records are read. */
  readonly adapters: Adapters;
  /** The link index of the sink's kind: who claims a deleted record, and which changed records read as settled. */
  readonly links: LinkLookups;
  /** Enqueue calls in flight at once (ioredis pipelines them on one connection). Default: 64. */
  concurrency?: number;
  /** Records read per round trip, and jobs per addBulk, when backfilling (AUDIT_BATCH_SIZE). Default: 1000. */
  backfillBatchSize?: number;
  /** The reconcile job kind: people ('user') or clients ('client'). Default: 'user'. */
  kind?: ReconcileKind;
}

const DEFAULTS = { concurrency: 64, backfillBatchSize: SETTING_DEFAULTS.batchSize, kind: 'user' } as const;

/** A position longer than the job payload allows is cut: it is provenance, not an address. */
export function changeTrigger(source: string, position: string): Trigger {
  const bounded = position.length > MAX_POSITION_CHARS ? `${position.slice(0, MAX_POSITION_CHARS - 1)}…` : position;
  return { type: 'change-event', source, position: bounded };
}

export function createChangeSink(options: ChangeSinkOptions): ChangeSink {
  const concurrency = options.concurrency ?? DEFAULTS.concurrency;
  const kind = options.kind ?? DEFAULTS.kind;
  const { queues } = options;
  /**
   * `written`: the records themselves changed, and a record that reads as settled needs nothing
   * more (the 'changed' lane; a CRM user's fingerprint covers its name, so a name edit does not read
   * as settled). Not so for claimers: their records are as they were, but one they claim is gone.
   */
  const enqueueAll = async (changes: readonly RecordChange[], written = true): Promise<number> => {
    const unique = [...new Map(changes.map((change) => [formatRecordKey(change.key), change])).values()];
    const unsettled = written ? await withoutSettled(options, unique) : unique;
    await forEachLimited(unsettled, concurrency, ({ key, trigger }) => queues.enqueueReconcile(key, trigger, kind, written ? 'changed' : 'live'));
    return unsettled.length;
  };
  return {
    reconcile: (changes) => enqueueAll(changes),
    reconcileClaimers: async (deleted, trigger) => {
      const claimers = await findClaimers(options, deleted);
      return enqueueAll(claimers.map((key) => ({ key, trigger })), false);
    },
    backfill: async (platform, trigger) => {
      const adapter = options.adapters[platform];
      if (!adapter) return 0;
      const enqueued = await backfillPlatform({
        queues,
        adapter,
        trigger,
        batchSize: options.backfillBatchSize ?? DEFAULTS.backfillBatchSize,
        kind,
        profiles: true,
      });
      options.logger.info({ platform, source: trigger.type === 'change-event' ? trigger.source : undefined, enqueued }, 'backfill enqueued');
      return enqueued;
    },
  };
}

/**
 * The records of other synced platforms the link index says claim `deleted`. A stale hint costs a
 * reconcile that finds nothing to do, so none is read back here.
 */
async function findClaimers(options: Pick<ChangeSinkOptions, 'adapters' | 'links'>, deleted: RecordKey): Promise<RecordKey[]> {
  const claimers = await options.links.claimersOf([deleted]);
  return claimers.filter((key) => key.platform !== deleted.platform && options.adapters[key.platform] !== undefined).sort(compareKeys);
}

function compareKeys(left: RecordKey, right: RecordKey): number {
  return PLATFORMS.indexOf(left.platform) - PLATFORMS.indexOf(right.platform) || (left.id < right.id ? -1 : left.id > right.id ? 1 : 0);
}

/** Runs `action` over `items` with at most `limit` calls in flight; rejects with the first failure. */
async function forEachLimited<T>(items: readonly T[], limit: number, action: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await action(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
