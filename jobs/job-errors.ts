import { UnrecoverableError } from 'bullmq';
import type { z } from 'zod';
import { isErrorCode } from '../src/error-codes.ts';
import { IdsyncError } from '../src/errors.ts';
import type { ErrorCode } from '../src/errors.ts';

/** A payload that fails validation will fail the same way on every retry: fail the job at once. */
export function invalidPayload(error: z.ZodError): UnrecoverableError {
  const problems = error.issues.map((issue) => `${issue.path.join('.') || 'payload'}: ${issue.message}`).join('; ');
  return new UnrecoverableError(`IDSYNC_ERR_INVALID_PAYLOAD: ${problems}`);
}

/**
 * BullMQ retries any error but UnrecoverableError. An IdsyncError that says it is not retryable
 * (bad input, a person too large to gather) becomes one, so it fails once instead of eight times;
 * the platform it names (if any) stays on it for the sync error log.
 */
export function toJobError(error: unknown, isRetryable: (error: unknown) => boolean): unknown {
  if (error instanceof UnrecoverableError) return error;
  if (error instanceof IdsyncError) return error.retryable ? error : withPlatformOf(error, new UnrecoverableError(`${error.code}: ${error.message}`));
  return isRetryable(error) ? error : new UnrecoverableError(error instanceof Error ? error.message : String(error));
}

function withPlatformOf(source: Error, target: UnrecoverableError): UnrecoverableError {
  const platform: unknown = (source as { platform?: unknown }).platform;
  return typeof platform === 'string' ? Object.assign(target, { platform }) : target;
}

/** The stable code of an error for the ledger's sync error log. */
export function errorCode(error: unknown, isRetryable: (error: unknown) => boolean): ErrorCode {
  if (error instanceof IdsyncError) return error.code;
  // A driver error that may pass on retry is a store that did not answer: the operator's view.
  if (isRetryable(error)) return 'IDSYNC_ERR_STORE_UNAVAILABLE';
  const message = error instanceof Error ? error.message : '';
  const prefixed = /^(IDSYNC_ERR_[A-Z_]+):/.exec(message);
  if (isErrorCode(prefixed?.[1])) return prefixed[1];
  return 'IDSYNC_ERR_UNEXPECTED';
}
