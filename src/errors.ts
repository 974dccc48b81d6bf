import { codes, errorSpec } from './error-codes.ts';
import type { ErrorCode, InputErrorCode } from './error-codes.ts';

export { codes } from './error-codes.ts';
export type { ErrorCode } from './error-codes.ts';

/*
 * Callers branch on `code` and `retryable`, never on message text: a message is for people and may
 * change, a code is part of the contract (tests assert on codes). Every code, with whether it is
 * retryable, is in the registry (src/error-codes.ts).
 */

export interface IdsyncErrorOptions {
  cause?: unknown;
}

export class IdsyncError extends Error {
  readonly code: ErrorCode;
  /** Whether trying the same operation again may succeed: the registry's word for `code`. */
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: IdsyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = errorSpec(code).retryable;
  }
}

/** The environment does not describe a usable configuration; `problems` lists every one found. */
export class ConfigError extends IdsyncError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(codes.CONFIG, `invalid configuration:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
    this.problems = problems;
  }
}

/** A dependency did not answer. `url` is already stripped of credentials. */
export class ServiceUnreachableError extends IdsyncError {
  readonly service: string;
  readonly url: string;

  constructor(service: string, url: string, cause: unknown) {
    super(codes.SERVICE_UNREACHABLE, `cannot reach ${service} at ${url}: ${describeCause(cause)}`, { cause });
    this.service = service;
    this.url = url;
  }
}

/** A value offered as an ID, a platform key or a job payload is not one: a code of kind `input`. */
export class InvalidInputError extends IdsyncError {
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor -- it narrows the code to input codes
  constructor(code: InputErrorCode, message: string) {
    super(code, message);
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof AggregateError && cause.errors.length > 0) return describeCause(cause.errors[0]);
  if (cause instanceof Error) return cause.message || cause.name;
  return String(cause);
}
