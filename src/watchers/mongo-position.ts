import { BSON, MongoServerError, Timestamp } from 'mongodb';
import type { ChangeStreamOptions, ResumeToken } from 'mongodb';
import { isRetryableMongoError } from '../platforms/mongo-errors.ts';

/*
 * A change stream's position as the checkpoint keeps it. Normally a resume token. A fresh stream
 * whose first poll already returned events has no token from before them, so its position is
 * then an operation time taken before the stream was opened (minus a margin for clock
 * differences): resuming from it replays a few seconds, never skips.
 */

export type StreamPosition = { readonly resumeAfter: ResumeToken } | { readonly startAtOperationTime: Timestamp };

/** Extended JSON keeps a Timestamp a Timestamp; resume tokens are small documents. */
export function serializePosition(position: StreamPosition): string {
  return BSON.EJSON.stringify(position, { relaxed: false });
}

/** The trigger position of an event: its resume token, as JSON. */
export function serializeToken(token: unknown): string {
  return BSON.EJSON.stringify(token as BSON.Document, { relaxed: false });
}

/** The saved position, or null when the text is not one (treated like a token the server refuses). */
export function parsePosition(text: string): StreamPosition | null {
  try {
    const value: unknown = BSON.EJSON.parse(text, { relaxed: false });
    if (typeof value !== 'object' || value === null) return null;
    const candidate = value as { resumeAfter?: unknown; startAtOperationTime?: unknown };
    if (isPlainDocument(candidate.resumeAfter)) return { resumeAfter: candidate.resumeAfter };
    if (candidate.startAtOperationTime instanceof Timestamp) return { startAtOperationTime: candidate.startAtOperationTime };
    return null;
  } catch {
    return null;
  }
}

/** A resume token is a document (`{_data: ...}`): not an array, and not a BSON value such as Int32. */
function isPlainDocument(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

export function positionOptions(position: StreamPosition | null): ChangeStreamOptions {
  if (position === null) return {};
  return 'resumeAfter' in position ? { resumeAfter: position.resumeAfter } : { startAtOperationTime: position.startAtOperationTime };
}

export function positionFromClock(nowMs: number, marginMs: number): StreamPosition {
  return { startAtOperationTime: new Timestamp({ t: Math.max(0, Math.floor((nowMs - marginMs) / 1000)), i: 0 }) };
}

/**
 * Server answers that mean "this stream cannot continue from that position": history lost (the
 * oplog moved past it), a token the server cannot use, a stream that cannot be resumed.
 */
const NOT_RESUMABLE_CODES: ReadonlySet<number> = new Set([
  2, // BadValue
  9, // FailedToParse
  136, // CappedPositionLost
  260, // InvalidResumeToken
  280, // ChangeStreamFatalError
  286, // ChangeStreamHistoryLost
]);

/**
 * True when the server refused to continue the stream from its position; a network failure or a
 * retryable server error is not such a refusal (the same position may work in a moment).
 */
export function isResumeFailure(error: unknown): boolean {
  if (!(error instanceof MongoServerError) || isRetryableMongoError(error)) return false;
  return typeof error.code === 'number' && NOT_RESUMABLE_CODES.has(error.code);
}
