import type { ChangeStream, Document, ResumeToken } from 'mongodb';
import type { RecordChange } from './change-sink.ts';
import { changeTrigger } from './change-sink.ts';
import { pause } from './leadership.ts';
import { classifyChange } from './mongo-events.ts';
import type { MongoChange } from './mongo-events.ts';
import { serializePosition, serializeToken } from './mongo-position.ts';
import { MONGO_WATCHER_DEFAULTS, saveCheckpoint } from './mongo-source.ts';
import type { MongoWatcherOptions } from './mongo-source.ts';

/** Reads one open change stream in batches: enqueue every batch, then save its last token. */
export class MongoBatchHandler {
  readonly #options: MongoWatcherOptions;
  readonly #stream: ChangeStream;
  #lastToken: unknown = null;
  #savedPosition: string | null = null;
  #savedAt = Date.now();

  constructor(options: MongoWatcherOptions, stream: ChangeStream) {
    this.#options = options;
    this.#stream = stream;
  }

  /** Runs until `signal` aborts ('stopped') or the stream is invalidated ('lost'). */
  async run(pending: Document[], signal: AbortSignal): Promise<'stopped' | 'lost'> {
    let batch = pending;
    while (!signal.aborted) {
      if (batch.length === 0) batch = await this.#nextBatch();
      if (batch.length > 0) {
        if ((await this.#handle(batch)) === 'invalidated') return 'lost';
        batch = [];
      } else {
        await this.#idle(signal);
      }
    }
    return 'stopped';
  }

  /** One server batch at most: the first event, then whatever the driver already holds. */
  async #nextBatch(): Promise<Document[]> {
    const first = await this.#stream.tryNext();
    if (first === null) return [];
    const batch: Document[] = [first as Document];
    const max = this.#options.maxBatch ?? MONGO_WATCHER_DEFAULTS.maxBatch;
    while (batch.length < max && this.#stream.bufferedCount() > 0) {
      const next = await this.#stream.tryNext();
      if (next === null) break;
      batch.push(next as Document);
    }
    return batch;
  }

  async #handle(batch: readonly Document[]): Promise<'handled' | 'invalidated'> {
    const { source } = this.#options;
    const changes: RecordChange[] = [];
    const deletes: RecordChange[] = [];
    for (const event of batch) {
      this.#options.onChangeEvent?.(source.name);
      const change = classifyChange(source.platform, event);
      if (change.kind === 'invalidated') {
        await this.#enqueue(changes, deletes);
        return 'invalidated';
      }
      this.#lastToken = event._id;
      this.#collect(change, serializeToken(event._id), changes, deletes);
    }
    await this.#enqueue(changes, deletes);
    await this.#saveLastToken();
    return 'handled';
  }

  #collect(change: MongoChange, position: string, changes: RecordChange[], deletes: RecordChange[]): void {
    const { source, logger } = this.#options;
    const trigger = changeTrigger(source.name, position);
    if (change.kind === 'changed') changes.push({ key: { platform: source.platform, id: change.id }, trigger });
    else if (change.kind === 'deleted') deletes.push({ key: { platform: source.platform, id: change.id }, trigger });
    // Described by its type only: the value may be anything a client wrote, an email included.
    else if (change.kind === 'malformed') logger.warn({ source: source.name, reason: change.reason, position }, 'change event names a malformed id; skipped');
  }

  async #enqueue(changes: readonly RecordChange[], deletes: readonly RecordChange[]): Promise<void> {
    const { sink } = this.#options;
    await sink.reconcile(changes);
    for (const deleted of deletes) await sink.reconcileClaimers(deleted.key, deleted.trigger);
  }

  async #idle(signal: AbortSignal): Promise<void> {
    if (Date.now() - this.#savedAt >= (this.#options.checkpointIntervalMs ?? MONGO_WATCHER_DEFAULTS.checkpointIntervalMs)) await this.#saveQuietPosition();
    await pause(this.#options.idlePollMs ?? MONGO_WATCHER_DEFAULTS.idlePollMs, signal);
  }

  async #saveLastToken(): Promise<void> {
    if (this.#lastToken !== null) await this.#save(serializePosition({ resumeAfter: this.#lastToken as ResumeToken }));
  }

  /**
   * A quiet stream's token moves on without events (real MongoDB's post-batch resume token), and
   * saving it keeps the checkpoint inside the oplog. Every event the stream returned has been
   * handled by the time it is idle, so its token covers nothing that is not enqueued.
   */
  async #saveQuietPosition(): Promise<void> {
    this.#savedAt = Date.now();
    const token = this.#stream.resumeToken;
    if (token === null || token === undefined) return;
    const position = serializePosition({ resumeAfter: token });
    if (position !== this.#savedPosition) await this.#save(position);
  }

  async #save(position: string): Promise<void> {
    await saveCheckpoint(this.#options, position);
    this.#savedPosition = position;
    this.#savedAt = Date.now();
  }
}
