import { IdsyncError } from '../errors.ts';

/*
 * Whether a Postgres failure may succeed when the same operation runs again: the job runner retries
 * those with backoff and fails the rest at once. A pure function of the error.
 */

/** SQLSTATEs of a transient condition (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '53300', // too_many_connections
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, in recovery)
  '58000', // system_error (an I/O error on the server)
]);

/** Class 08, connection exception: the connection broke; a new one may work. */
const CONNECTION_EXCEPTION_CLASS = '08';
/** 08P01 is a protocol violation: the same bytes will be refused again. */
const PROTOCOL_VIOLATION = '08P01';

/** Socket errors of Node's net module: the server is, for now, not there. */
const RETRYABLE_SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * node-postgres reports a lost connection and a pool that cannot connect in time with plain
 * Errors that carry no code, so these are recognized by their (stable, library-defined) message.
 */
const RETRYABLE_DRIVER_MESSAGES: readonly string[] = [
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  // A query on a checked-out client whose connection already broke.
  'Client has encountered a connection error and is not queryable',
];

/**
 * True for connection failures, serialization failures, deadlocks, a server shutting down or
 * starting, too many connections and lock timeouts; an IdsyncError answers with its own
 * `retryable`. Anything else (a constraint violation, bad SQL) fails the same way again.
 */
export function isRetryablePostgresError(error: unknown): boolean {
  if (error instanceof IdsyncError) return error.retryable;
  // A connection attempt to several addresses fails with all of their errors.
  if (error instanceof AggregateError) return error.errors.some((inner) => isRetryablePostgresError(inner));
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return isRetryableCode(code);
  return RETRYABLE_DRIVER_MESSAGES.includes(error.message);
}

function isRetryableCode(code: string): boolean {
  if (RETRYABLE_SQLSTATES.has(code) || RETRYABLE_SOCKET_CODES.has(code)) return true;
  return code.startsWith(CONNECTION_EXCEPTION_CLASS) && code !== PROTOCOL_VIOLATION;
}
