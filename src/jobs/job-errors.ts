import { UnrecoverableError } from 'bullmq';
import type { Job } from 'bullmq';
import { z } from 'zod';
import { ERROR_CODE_LIST } from '../error-codes.ts';
import { codes, IdsyncError } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';

/*
 * BullMQ keeps of a failed job its data, its failedReason (the error's message) and its stack
 * traces: no field for a code. So a job's failure is written as data, into the job's own `failure`
 * field, before the job fails: a command waiting for the job reads the code and platform from there,
 * never from the message. The field is removed before the job runs again.
 */

/** The field of a job's data that holds its last failure. */
const FAILURE_FIELD = 'failure';
const MAX_PLATFORM_CHARS = 40;

/** What a failed job keeps of its failure as data: the code, and the platform it concerns if any. */
export interface JobFailure {
  readonly code: ErrorCode;
  readonly platform: string | null;
}

// Job data is input like any other: a failure that does not read as one is none.
const jobFailureSchema = z.object({ code: z.enum(ERROR_CODE_LIST), platform: z.string().max(MAX_PLATFORM_CHARS).nullable() });

/** A payload that fails validation will fail the same way on every retry: the job fails at once. */
export function invalidPayload(error: z.ZodError): IdsyncError {
  const problems = error.issues.map((issue) => `${issue.path.join('.') || 'payload'}: ${issue.message}`).join('; ');
  return new IdsyncError(codes.INVALID_PAYLOAD, problems);
}

/** A failure no retry can pass: BullMQ fails an UnrecoverableError's job at once instead of eight times. */
export class FinalJobError extends UnrecoverableError {
  readonly code: ErrorCode;
  readonly platform: string | null;

  constructor(failure: JobFailure, message: string, cause: unknown) {
    super(message);
    this.code = failure.code;
    this.platform = failure.platform;
    this.cause = cause;
    // BullMQ keeps the stack for Bull Board: where the failure arose, not where it was wrapped.
    if (cause instanceof Error && cause.stack !== undefined) this.stack = cause.stack;
  }
}

/**
 * What BullMQ fails the job with: the error itself when a retry may pass (a retryable IdsyncError,
 * or a driver error `isRetryable` accepts), else a FinalJobError with its code and platform.
 */
export function toJobError(error: unknown, isRetryable: (error: unknown) => boolean): unknown {
  if (error instanceof UnrecoverableError) return error;
  const retryable = error instanceof IdsyncError ? error.retryable : isRetryable(error);
  if (retryable) return error;
  return new FinalJobError(jobFailureOf(error, isRetryable), error instanceof Error ? error.message : String(error), error);
}

/** The code and platform of a job's failure, for the job's data and the ledger's sync error log. */
export function jobFailureOf(error: unknown, isRetryable: (error: unknown) => boolean): JobFailure {
  const platform: unknown = (error as { platform?: unknown } | undefined)?.platform;
  return { code: errorCode(error, isRetryable), platform: typeof platform === 'string' ? platform : null };
}

/** The stable code of an error, for the ledger. */
export function errorCode(error: unknown, isRetryable: (error: unknown) => boolean): ErrorCode {
  if (error instanceof IdsyncError || error instanceof FinalJobError) return error.code;
  // A driver error that may pass on retry is a store that did not answer: the operator's view.
  return isRetryable(error) ? codes.STORE_UNAVAILABLE : codes.UNEXPECTED;
}

/** Writes the failure into the job's data (a payload that is no object has nowhere to keep it). */
export async function recordJobFailure(job: Job, failure: JobFailure): Promise<void> {
  if (isPlainObject(job.data)) await job.updateData({ ...job.data, [FAILURE_FIELD]: failure });
}

/** Removes a previous attempt's failure from the job's data, so that the job runs on its own payload. */
export async function clearJobFailure(job: Job): Promise<void> {
  if (!isPlainObject(job.data) || !Object.hasOwn(job.data, FAILURE_FIELD)) return;
  const { [FAILURE_FIELD]: _previous, ...payload } = job.data;
  await job.updateData(payload);
}

/** The failure a failed job recorded; null when there is none (BullMQ failed it itself, as a job stalled too often). */
export function readJobFailure(job: Pick<Job, 'data'>): JobFailure | null {
  const parsed = jobFailureSchema.safeParse(isPlainObject(job.data) ? job.data[FAILURE_FIELD] : undefined);
  return parsed.success ? parsed.data : null;
}

/**
 * A job that a command waited for failed: the job's code, or codes.JOB_FAILED when it recorded
 * none. The command line itself was fine, so the command exits 1 whatever the code.
 */
export class JobFailedError extends IdsyncError {
  readonly platform: string | null;

  constructor(failure: JobFailure | null, message: string) {
    super(failure?.code ?? codes.JOB_FAILED, message);
    this.platform = failure?.platform ?? null;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
