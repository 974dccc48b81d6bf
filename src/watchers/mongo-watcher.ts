import type { ChangeStream, Document } from 'mongodb';
import type { LeaderWork } from './leadership.ts';
import { describeError } from '../logging/describe-error.ts';
import { MongoBatchHandler } from './mongo-batch.ts';
import { isResumeFailure, parsePosition, positionFromClock, positionOptions, serializePosition } from './mongo-position.ts';
import type { StreamPosition } from './mongo-position.ts';
import { backfillSource, MONGO_WATCHER_DEFAULTS, saveCheckpoint } from './mongo-source.ts';
import type { MongoWatcherOptions } from './mongo-source.ts';

export type { MongoSource, MongoWatcherOptions } from './mongo-source.ts';

interface OpenStream {
  readonly stream: ChangeStream;
  /** Events the opening poll already returned, not yet handled. */
  readonly pending: Document[];
}

/**
 * Watches one collection while this process leads it. On start it resumes from the checkpoint; a
 * stream that cannot resume (history gone, token refused) is logged, its collection backfilled
 * and a fresh stream started, so nothing is silently missed. A fresh stream saves its position at
 * once, so a restart before the first event still sees every write made in between.
 */
export function mongoWatcher(options: MongoWatcherOptions): LeaderWork {
  return async (signal) => {
    let opened = await start(options);
    while (!signal.aborted) {
      const outcome = await consumeUntilLost(options, opened, signal);
      if (outcome === 'stopped') return;
      opened = await startFresh(options, 'the stream was invalidated or its history is gone');
    }
    await opened.stream.close().catch(() => undefined);
  };
}

async function start(options: MongoWatcherOptions): Promise<OpenStream> {
  const { source, logger } = options;
  const saved = await options.checkpoints.load(source.name);
  if (saved === null) return startFresh(options, null);
  const position = parsePosition(saved);
  if (position === null) return startFresh(options, 'the saved checkpoint is unreadable');
  try {
    const opened = await openAt(options, position);
    logger.info({ source: source.name, from: 'checkpoint' }, 'watching');
    return opened;
  } catch (error) {
    if (!isResumeFailure(error)) throw error;
    logger.error({ source: source.name, err: describeError(error) }, 'cannot resume the change stream');
    return startFresh(options, 'the server refused to resume from the checkpoint');
  }
}

/** Opens the stream and runs its first poll, which is when the server accepts or refuses the position. */
async function openAt(options: MongoWatcherOptions, position: StreamPosition | null): Promise<OpenStream> {
  const stream = options.source.collection.watch([], {
    ...positionOptions(position),
    maxAwaitTimeMS: options.maxAwaitTimeMs ?? MONGO_WATCHER_DEFAULTS.maxAwaitTimeMs,
  });
  try {
    const first = await stream.tryNext();
    return { stream, pending: first === null ? [] : [first as Document] };
  } catch (error) {
    await stream.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Starts from now. With `reason` (the old position is unusable) the whole collection is backfilled
 * after the new stream is open, so every change is covered by one or the other, and the new
 * position is saved only after the backfill was enqueued.
 */
async function startFresh(options: MongoWatcherOptions, reason: string | null): Promise<OpenStream> {
  const { source, logger } = options;
  const fallback = positionFromClock(Date.now(), options.startMarginMs ?? MONGO_WATCHER_DEFAULTS.startMarginMs);
  const opened = await openAt(options, null);
  // The post-batch token when the first poll found nothing; before events it already returned, the clock.
  const token = opened.pending.length === 0 ? opened.stream.resumeToken : null;
  const position: StreamPosition = token ? { resumeAfter: token } : fallback;
  const serialized = serializePosition(position);
  try {
    if (reason !== null) {
      logger.warn({ source: source.name, reason }, 'change stream starts afresh; backfilling the collection');
      await backfillSource(options, serialized);
    }
    await saveCheckpoint(options, serialized);
  } catch (error) {
    await opened.stream.close().catch(() => undefined);
    throw error;
  }
  logger.info({ source: source.name, from: reason === null ? 'start' : 'backfill' }, 'watching');
  return opened;
}

/** Handles events until the abort ('stopped') or until the stream cannot go on ('lost'). */
async function consumeUntilLost(options: MongoWatcherOptions, opened: OpenStream, signal: AbortSignal): Promise<'stopped' | 'lost'> {
  const closeOnAbort = () => void opened.stream.close().catch(() => undefined);
  signal.addEventListener('abort', closeOnAbort, { once: true });
  const handler = new MongoBatchHandler(options, opened.stream);
  try {
    return await handler.run(opened.pending, signal);
  } catch (error) {
    if (signal.aborted) return 'stopped';
    if (!isResumeFailure(error)) throw error;
    options.logger.error({ source: options.source.name, err: describeError(error) }, 'change stream history lost');
    return 'lost';
  } finally {
    signal.removeEventListener('abort', closeOnAbort);
    await opened.stream.close().catch(() => undefined);
  }
}
