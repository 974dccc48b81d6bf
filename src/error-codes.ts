/*
 * Every error code idsync answers with, in one table (as Fastify's lib/errors.js keeps its own):
 * each code's kind, whether trying the same operation again may succeed, the HTTP status the API
 * answers it with, and what it means. Code elsewhere names a code as `codes.NOT_FOUND` and reads
 * retryability and status from here, never repeating them; the README's table of codes is checked
 * against this one both ways (test/unit/error-codes.test.ts), and says what each code means.
 */

/**
 * What a code is about. `input`: the caller's input is not valid (a command exits 2 for it);
 * `auth`: missing or wrong credentials; `not-found`; `conflict`: the stores' state refuses it or an
 * operator must decide; `unavailable`: a dependency did not answer in time; `refused`: a dependency
 * answered no, and an operator must fix that; `config`: the deployment must change; `internal`.
 */
export type ErrorKind = 'input' | 'auth' | 'not-found' | 'conflict' | 'unavailable' | 'refused' | 'config' | 'internal';

export interface ErrorSpec {
  readonly kind: ErrorKind;
  /** Whether trying the same operation again may succeed (BullMQ retries the job). */
  readonly retryable: boolean;
  /** The HTTP status the API answers it with (a code only a job or a command raises has one too). */
  readonly httpStatus: number;
}

export const ERROR_CODES = {
  // Bad input: it fails the same way every time.
  IDSYNC_ERR_INVALID_ID: { kind: 'input', retryable: false, httpStatus: 400 },
  IDSYNC_ERR_INVALID_LSN: { kind: 'input', retryable: false, httpStatus: 400 },
  IDSYNC_ERR_INVALID_FOREIGN: { kind: 'input', retryable: false, httpStatus: 400 },
  IDSYNC_ERR_UNKNOWN_PLATFORM: { kind: 'input', retryable: false, httpStatus: 400 },
  IDSYNC_ERR_PLATFORM_NOT_SYNCED: { kind: 'input', retryable: false, httpStatus: 400 },
  IDSYNC_ERR_INVALID_CHANGE: { kind: 'input', retryable: false, httpStatus: 400 },
  IDSYNC_ERR_INVALID_RECORD: { kind: 'input', retryable: false, httpStatus: 400 },
  IDSYNC_ERR_INVALID_SNAPSHOT: { kind: 'input', retryable: false, httpStatus: 400 },
  IDSYNC_ERR_INVALID_EMAIL: { kind: 'input', retryable: false, httpStatus: 400 },
  IDSYNC_ERR_INVALID_BATCH_SIZE: { kind: 'input', retryable: false, httpStatus: 400 },
  IDSYNC_ERR_INVALID_PAYLOAD: { kind: 'input', retryable: false, httpStatus: 400 },
  IDSYNC_ERR_UNKNOWN_JOB: { kind: 'input', retryable: false, httpStatus: 400 },
  IDSYNC_ERR_USAGE: { kind: 'input', retryable: false, httpStatus: 400 },
  IDSYNC_ERR_INVALID_ARGUMENT: { kind: 'input', retryable: false, httpStatus: 400 },
  IDSYNC_ERR_INVALID_REQUEST: { kind: 'input', retryable: false, httpStatus: 400 },
  IDSYNC_ERR_INVALID_JSON: { kind: 'input', retryable: false, httpStatus: 400 },
  IDSYNC_ERR_INVALID_URL: { kind: 'input', retryable: false, httpStatus: 400 },
  IDSYNC_ERR_BAD_REQUEST: { kind: 'input', retryable: false, httpStatus: 400 },
  IDSYNC_ERR_REQUEST_TIMEOUT: { kind: 'input', retryable: false, httpStatus: 408 },
  IDSYNC_ERR_BODY_TOO_LARGE: { kind: 'input', retryable: false, httpStatus: 413 },
  IDSYNC_ERR_URI_TOO_LONG: { kind: 'input', retryable: false, httpStatus: 414 },
  IDSYNC_ERR_UNSUPPORTED_MEDIA_TYPE: { kind: 'input', retryable: false, httpStatus: 415 },
  IDSYNC_ERR_HEADERS_TOO_LARGE: { kind: 'input', retryable: false, httpStatus: 431 },

  IDSYNC_ERR_UNAUTHORIZED: { kind: 'auth', retryable: false, httpStatus: 401 },
  IDSYNC_ERR_TOO_MANY_AUTH_FAILURES: { kind: 'auth', retryable: true, httpStatus: 429 },

  IDSYNC_ERR_NOT_FOUND: { kind: 'not-found', retryable: false, httpStatus: 404 },
  IDSYNC_ERR_RUN_NOT_FOUND: { kind: 'not-found', retryable: false, httpStatus: 404 },

  // The stores' state refuses it, or an operator must decide; contention passes on retry.
  IDSYNC_ERR_RUN_NOT_AWAITING: { kind: 'conflict', retryable: false, httpStatus: 409 },
  IDSYNC_ERR_CLEANUP_BREAKER: { kind: 'conflict', retryable: false, httpStatus: 409 },
  IDSYNC_ERR_CLEANUP_EXCEEDS_CONFIRMED: { kind: 'conflict', retryable: false, httpStatus: 409 },
  IDSYNC_ERR_GATHER_LIMIT: { kind: 'conflict', retryable: false, httpStatus: 409 },
  IDSYNC_ERR_RECONCILE_CONTENDED: { kind: 'conflict', retryable: true, httpStatus: 409 },
  IDSYNC_ERR_PROPAGATE_CONTENDED: { kind: 'conflict', retryable: true, httpStatus: 409 },
  IDSYNC_ERR_EMAIL_TAKEN: { kind: 'conflict', retryable: false, httpStatus: 409 },
  IDSYNC_ERR_EMAIL_AMBIGUOUS: { kind: 'conflict', retryable: false, httpStatus: 409 },

  IDSYNC_ERR_SERVICE_UNREACHABLE: { kind: 'unavailable', retryable: true, httpStatus: 503 },
  IDSYNC_ERR_STORE_UNAVAILABLE: { kind: 'unavailable', retryable: true, httpStatus: 503 },
  IDSYNC_ERR_SUPABASE_RATE_LIMITED: { kind: 'unavailable', retryable: true, httpStatus: 503 },
  IDSYNC_ERR_LEASE_LOST: { kind: 'unavailable', retryable: true, httpStatus: 503 },
  IDSYNC_ERR_REPLICATION_ENDED: { kind: 'unavailable', retryable: true, httpStatus: 503 },
  IDSYNC_ERR_REALTIME_CHANNEL: { kind: 'unavailable', retryable: true, httpStatus: 503 },
  IDSYNC_ERR_WAIT_TIMEOUT: { kind: 'unavailable', retryable: true, httpStatus: 504 },

  IDSYNC_ERR_SUPABASE_UNAUTHORIZED: { kind: 'refused', retryable: false, httpStatus: 502 },
  IDSYNC_ERR_SUPABASE_REJECTED: { kind: 'refused', retryable: false, httpStatus: 502 },
  IDSYNC_ERR_SUPABASE_BAD_ANSWER: { kind: 'refused', retryable: false, httpStatus: 502 },

  IDSYNC_ERR_CONFIG: { kind: 'config', retryable: false, httpStatus: 500 },
  IDSYNC_ERR_INSECURE_HTTP: { kind: 'config', retryable: false, httpStatus: 500 },
  IDSYNC_ERR_PORT_IN_USE: { kind: 'config', retryable: false, httpStatus: 500 },
  IDSYNC_ERR_CANNOT_LISTEN: { kind: 'config', retryable: false, httpStatus: 500 },
  IDSYNC_ERR_REPLICATION_SETUP: { kind: 'config', retryable: false, httpStatus: 500 },
  IDSYNC_ERR_PLATFORM_UNAVAILABLE: { kind: 'config', retryable: false, httpStatus: 500 },
  IDSYNC_ERR_NOT_AVAILABLE: { kind: 'config', retryable: false, httpStatus: 501 },
  IDSYNC_ERR_NODE_TOO_OLD: { kind: 'config', retryable: false, httpStatus: 500 },

  IDSYNC_ERR_INTERNAL: { kind: 'internal', retryable: false, httpStatus: 500 },
  IDSYNC_ERR_UNEXPECTED: { kind: 'internal', retryable: false, httpStatus: 500 },
  IDSYNC_ERR_JOB_FAILED: { kind: 'internal', retryable: false, httpStatus: 500 },
} as const satisfies Record<`IDSYNC_ERR_${string}`, ErrorSpec>;

/** A code of the table: a closed union, so a misspelt or unregistered code does not compile. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes whose kind is `input`: the only ones an InvalidInputError takes. */
export type InputErrorCode = { [C in ErrorCode]: (typeof ERROR_CODES)[C]['kind'] extends 'input' ? C : never }[ErrorCode];

const PREFIX = 'IDSYNC_ERR_';

type ShortName<C extends string> = C extends `IDSYNC_ERR_${infer Name}` ? Name : never;

/** Each code by its name without the prefix: `codes.NOT_FOUND` is 'IDSYNC_ERR_NOT_FOUND'. */
export const codes = Object.freeze(
  Object.fromEntries(Object.keys(ERROR_CODES).map((code) => [code.slice(PREFIX.length), code])),
) as { readonly [C in ErrorCode as ShortName<C>]: C };

/** Every code, in the table's order. */
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

export function errorSpec(code: ErrorCode): ErrorSpec {
  return ERROR_CODES[code];
}
