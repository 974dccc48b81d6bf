import { MongoError, MongoNetworkError, MongoServerSelectionError } from 'mongodb';
import { IdsyncError } from '../errors.ts';

/*
 * Whether a MongoDB failure may succeed when the same operation runs again: the job runner retries
 * those with backoff and fails the rest at once. A pure function of the error.
 */

/** Labels the server or the driver attach to an error that a retry may cure. */
const RETRYABLE_LABELS: readonly string[] = [
  'RetryableWriteError',
  'TransientTransactionError',
  'ResetPool',
  'PoolRequestedRetry',
  'RetryableError',
  'SystemOverloadedError',
];

/**
 * Server codes of the retryable-reads/-writes specifications (a node stepping down, shutting down
 * or unreachable), plus the ones a sharded or recovering deployment answers while it settles.
 */
const RETRYABLE_CODES: ReadonlySet<number> = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  63, // StaleShardVersion
  89, // NetworkTimeout
  91, // ShutdownInProgress
  112, // WriteConflict
  133, // FailedToSatisfyReadPreference
  134, // ReadConcernMajorityNotAvailableYet
  150, // StaleEpoch
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13388, // StaleConfig
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/**
 * True for network errors, server selection timeouts, errors with a retryable label and the codes
 * above; an IdsyncError answers with its own `retryable`. Anything else (a duplicate key, a bad
 * query, a closed client) fails the same way again.
 */
export function isRetryableMongoError(error: unknown): boolean {
  if (error instanceof IdsyncError) return error.retryable;
  if (!(error instanceof MongoError)) return false;
  if (error instanceof MongoNetworkError || error instanceof MongoServerSelectionError) return true;
  if (RETRYABLE_LABELS.some((label) => error.hasErrorLabel(label))) return true;
  return typeof error.code === 'number' && RETRYABLE_CODES.has(error.code);
}

/** MongoDB's duplicate-key error code: a unique index refused the write. */
const DUPLICATE_KEY = 11000;

/** Whether a unique index refused the write (another record has the value): never retryable. */
export function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof MongoError && error.code === DUPLICATE_KEY;
}
