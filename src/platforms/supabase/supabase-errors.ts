import { isAuthError } from '@supabase/supabase-js';
import type { AuthError } from '@supabase/supabase-js';
import { codes, IdsyncError } from '../../errors.ts';
import { isRetryablePostgresError } from '../postgres-errors.ts';

/*
 * Every answer of the Supabase Auth admin API that is not a success becomes a SupabaseError with a
 * stable code, decided by a pure function of the answer's status and the server's own error code
 * (the table is in the README's design notes).
 */

export type SupabaseErrorCode =
  | typeof codes.EMAIL_TAKEN
  | typeof codes.SUPABASE_REJECTED
  | typeof codes.SUPABASE_UNAUTHORIZED
  | typeof codes.SUPABASE_RATE_LIMITED
  | typeof codes.SUPABASE_BAD_ANSWER
  | typeof codes.STORE_UNAVAILABLE;

/** The auth server's code for an address another user has (422 on create). */
const EMAIL_EXISTS = 'email_exists';
/** The auth server's code for an id no user has (404). */
const USER_NOT_FOUND = 'user_not_found';
const TOO_MANY_REQUESTS = 429;
/** A server code is echoed into messages only when it is a plain token, never free text. */
const SERVER_CODE_FORMAT = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * How idsync treats an answer: `status` 0 means none came (refused, reset, timed out). 401 and 403
 * are a wrong, expired or under-privileged key: no retry fixes that, an operator must.
 */
export function classifyAnswer(status: number, serverCode: string | null): SupabaseErrorCode {
  if (status === 0 || status >= 500) return codes.STORE_UNAVAILABLE;
  if (status === TOO_MANY_REQUESTS) return codes.SUPABASE_RATE_LIMITED;
  if (status === 401 || status === 403) return codes.SUPABASE_UNAUTHORIZED;
  if (serverCode === EMAIL_EXISTS) return codes.EMAIL_TAKEN;
  return codes.SUPABASE_REJECTED;
}

/**
 * A failed admin API call. It keeps no `cause`: the server's message can quote the email it
 * refused, and a logged error prints its cause's message too.
 */
export class SupabaseError extends IdsyncError {
  readonly platform = 'supabase';
  /** The HTTP status; 0 when no answer came, or none that could be read. */
  readonly status: number;
  /** The auth server's own error code (`email_exists`, `bad_jwt`...), when it sent one. */
  readonly serverCode: string | null;

  constructor(code: SupabaseErrorCode, status: number, serverCode: string | null, message: string) {
    super(code, message);
    this.status = status;
    this.serverCode = serverCode;
  }
}

/**
 * The SupabaseError for an error supabase-js returned from `operation` (a short verb phrase such as
 * 'create user'). supabase-js gives an answer it could not read as the auth API's (a non-JSON body
 * under 500, as a proxy in front of a wrong URL sends) no status: codes.SUPABASE_BAD_ANSWER.
 */
export function toSupabaseError(error: AuthError, operation: string): SupabaseError {
  if (typeof error.status !== 'number') {
    return new SupabaseError(codes.SUPABASE_BAD_ANSWER, 0, null, `supabase auth ${operation}: an answer that is not the auth API's`);
  }
  const serverCode = readServerCode(error);
  const what = error.status === 0 ? 'no answer (connection failed or timed out)' : `HTTP ${error.status}${serverCode === null ? '' : ` ${serverCode}`}`;
  return new SupabaseError(classifyAnswer(error.status, serverCode), error.status, serverCode, `supabase auth ${operation}: ${what}`);
}

/** Whether the server has no user with the id (deleted since it was read). */
export function isUserNotFound(error: AuthError): boolean {
  return readServerCode(error) === USER_NOT_FOUND;
}

/**
 * Whether a failure of the Supabase adapter may pass on retry: a SupabaseError (or any IdsyncError)
 * answers with its own `retryable`, a supabase-js error by its answer, and anything else is the
 * SQL side's (node-postgres).
 */
export function isRetryableSupabaseError(error: unknown): boolean {
  if (error instanceof IdsyncError) return error.retryable;
  if (isAuthError(error)) return toSupabaseError(error, 'call').retryable;
  return isRetryablePostgresError(error);
}

function readServerCode(error: AuthError): string | null {
  return typeof error.code === 'string' && SERVER_CODE_FORMAT.test(error.code) ? error.code : null;
}
