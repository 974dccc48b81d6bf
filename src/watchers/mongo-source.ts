import { SETTING_DEFAULTS } from '../config/env-schema.ts';
import type { Logger } from '../logging/logger.ts';
import type { MongoWatch } from '../platforms/watch-spec.ts';
import type { ChangeSink } from './change-sink.ts';
import { changeTrigger } from './change-sink.ts';
import type { CheckpointStore } from './checkpoint-store.ts';
import type { Lease } from './lease.ts';
import { LeaseLostError } from './watcher-errors.ts';

/** One watched MongoDB collection. */
export interface MongoSource extends MongoWatch {
  /** Stable name: in logs, Redis keys and job triggers. Example: 'crm.User'. */
  readonly name: string;
}

export interface MongoWatcherOptions {
  readonly source: MongoSource;
  readonly lease: Lease;
  readonly checkpoints: CheckpointStore;
  readonly sink: ChangeSink;
  readonly logger: Logger;
  /** How often a quiet stream saves its position (the post-batch resume token), in ms. Default: 10000. */
  checkpointIntervalMs?: number;
  /** Pause after a poll that found nothing, in ms. Default: 100. */
  idlePollMs?: number;
  /** How long the server may hold a getMore open waiting for a change, in ms. Default: 1000. */
  maxAwaitTimeMs?: number;
  /** Most events handled (and enqueued) before the checkpoint is saved. Default: 1000. */
  maxBatch?: number;
  /** A fresh stream's fallback position lies this far before it was opened, in ms. Default: 5000. */
  startMarginMs?: number;
  /** Called once per change event received (for the change-event counter). Default: none. */
  onChangeEvent?: (source: string) => void;
}

/** The defaults of MongoWatcherOptions, for mongo-watcher.ts and mongo-batch.ts alike. */
export const MONGO_WATCHER_DEFAULTS = {
  checkpointIntervalMs: SETTING_DEFAULTS.checkpointIntervalMs,
  idlePollMs: 100,
  maxAwaitTimeMs: 1_000,
  maxBatch: 1_000,
  startMarginMs: 5_000,
} as const;

/**
 * Saves the stream's position, fenced by the lease. Called only once every event before that
 * position has been enqueued (as Debezium commits offsets only after the records were handed
 * on): a crash in between replays those events rather than skipping them.
 */
export async function saveCheckpoint(options: MongoWatcherOptions, position: string): Promise<void> {
  if (!(await options.checkpoints.save(options.source.name, position, options.lease))) throw new LeaseLostError(options.source.name);
}

/** Enqueues a reconcile for every record of the source's collection, through the sink of the source's kind (people or clients). */
export async function backfillSource(options: MongoWatcherOptions, position: string): Promise<void> {
  const { source } = options;
  await options.sink.backfill(source.platform, changeTrigger(source.name, position));
}
