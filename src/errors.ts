/**
 * Stable error codes. Callers branch on `code` and `retryable`, never on message text: a message is
 * for people and may change, a code is part of the contract (tests assert on codes).
 */
export type ErrorCode = `IDSYNC_ERR_${string}`;

export interface IdsyncErrorOptions {
  cause?: unknown;
  /** Whether trying the same operation again may succeed. Default: false. */
  retryable?: boolean;
}

export class IdsyncError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: IdsyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** The environment does not describe a usable configuration; `problems` lists every one found. */
export class ConfigError extends IdsyncError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('IDSYNC_ERR_CONFIG', `invalid configuration:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
    this.problems = problems;
  }
}

/** A dependency did not answer. `url` is already stripped of credentials. */
export class ServiceUnreachableError extends IdsyncError {
  readonly service: string;
  readonly url: string;

  constructor(service: string, url: string, cause: unknown) {
    super('IDSYNC_ERR_SERVICE_UNREACHABLE', `cannot reach ${service} at ${url}: ${describeCause(cause)}`, {
      cause,
      retryable: true,
    });
    this.service = service;
    this.url = url;
  }
}

/** A value offered as an ID, a platform key or a job payload is not one. Never retryable. */
export class InvalidInputError extends IdsyncError {
  constructor(code: ErrorCode, message: string) {
    super(code, message, { retryable: false });
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof AggregateError && cause.errors.length > 0) return describeCause(cause.errors[0]);
  if (cause instanceof Error) return cause.message || cause.name;
  return String(cause);
}
