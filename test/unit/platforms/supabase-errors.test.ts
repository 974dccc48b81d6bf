import { AuthApiError, AuthRetryableFetchError, AuthUnknownError, AuthWeakPasswordError } from '@supabase/supabase-js';
import type { AuthError } from '@supabase/supabase-js';
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { errorCode, toJobError } from '../../../src/jobs/job-errors.ts';
import { errorSpec } from '../../../src/error-codes.ts';
import { InvalidInputError, ServiceUnreachableError } from '../../../src/errors.ts';
import { classifyAnswer, isRetryableSupabaseError, toSupabaseError } from '../../../src/platforms/supabase/supabase-errors.ts';

/*
 * The table of README's design notes: every answer of the auth server's admin API to the code
 * idsync gives it. The errors are supabase-js's own classes, built as its fetch layer builds them.
 */

describe('classifyAnswer', () => {
  it.each<[number, string | null, string, boolean]>([
    [0, null, 'IDSYNC_ERR_STORE_UNAVAILABLE', true],
    [500, null, 'IDSYNC_ERR_STORE_UNAVAILABLE', true],
    [502, null, 'IDSYNC_ERR_STORE_UNAVAILABLE', true],
    [503, null, 'IDSYNC_ERR_STORE_UNAVAILABLE', true],
    [504, null, 'IDSYNC_ERR_STORE_UNAVAILABLE', true],
    [429, 'over_request_rate_limit', 'IDSYNC_ERR_SUPABASE_RATE_LIMITED', true],
    [401, 'no_authorization', 'IDSYNC_ERR_SUPABASE_UNAUTHORIZED', false],
    [403, 'bad_jwt', 'IDSYNC_ERR_SUPABASE_UNAUTHORIZED', false],
    [403, 'not_admin', 'IDSYNC_ERR_SUPABASE_UNAUTHORIZED', false],
    [422, 'email_exists', 'IDSYNC_ERR_EMAIL_TAKEN', false],
    [422, 'weak_password', 'IDSYNC_ERR_SUPABASE_REJECTED', false],
    [400, 'validation_failed', 'IDSYNC_ERR_SUPABASE_REJECTED', false],
    [400, 'email_address_invalid', 'IDSYNC_ERR_SUPABASE_REJECTED', false],
    [404, 'user_not_found', 'IDSYNC_ERR_SUPABASE_REJECTED', false],
    [409, null, 'IDSYNC_ERR_SUPABASE_REJECTED', false],
  ])('HTTP %i %s → %s (retryable: %s)', (status, serverCode, code, retryable) => {
    const answer = classifyAnswer(status, serverCode);
    expect({ code: answer, retryable: errorSpec(answer).retryable }).toEqual({ code, retryable });
  });
});

describe('toSupabaseError', () => {
  const secretMessage = 'Email address "ada@example.com" is invalid; Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig';

  it.each<[string, AuthError, object]>([
    ['an API error', new AuthApiError(secretMessage, 422, 'email_exists'), { code: 'IDSYNC_ERR_EMAIL_TAKEN', status: 422, serverCode: 'email_exists' }],
    ['no answer', new AuthRetryableFetchError(secretMessage, 0), { code: 'IDSYNC_ERR_STORE_UNAVAILABLE', status: 0, retryable: true }],
    ['a 503', new AuthRetryableFetchError(secretMessage, 503), { code: 'IDSYNC_ERR_STORE_UNAVAILABLE', status: 503, serverCode: null }],
    ['an unreadable answer', new AuthUnknownError(secretMessage, new SyntaxError('bad json')), { code: 'IDSYNC_ERR_SUPABASE_BAD_ANSWER', retryable: false }],
    ['a weak password', new AuthWeakPasswordError(secretMessage, 422, ['length']), { code: 'IDSYNC_ERR_SUPABASE_REJECTED', serverCode: 'weak_password' }],
    ['a server code that is free text', new AuthApiError(secretMessage, 400, 'ada@example.com is bad'), { code: 'IDSYNC_ERR_SUPABASE_REJECTED', serverCode: null }],
  ])('maps %s, keeping nothing of the server message', (_label, error, expected) => {
    const mapped = toSupabaseError(error, 'update links');

    expect(mapped).toMatchObject({ platform: 'supabase', ...expected });
    expect(mapped.cause).toBeUndefined();
    expect(`${mapped.message} ${JSON.stringify(mapped)}`).not.toMatch(/ada@example\.com|eyJ/);
  });
});

describe('isRetryableSupabaseError', () => {
  it.each<[string, unknown, boolean]>([
    ['a 500 from supabase-js', new AuthRetryableFetchError('x', 500), true],
    ['no answer from supabase-js', new AuthRetryableFetchError('x', 0), true],
    ['a 429 from supabase-js', new AuthApiError('x', 429, 'over_request_rate_limit'), true],
    ['a 403 from supabase-js', new AuthApiError('x', 403, 'bad_jwt'), false],
    ['a 422 from supabase-js', new AuthApiError('x', 422, 'email_exists'), false],
    ['a mapped error', toSupabaseError(new AuthRetryableFetchError('x', 502), 'create user'), true],
    ['a retryable IdsyncError', new ServiceUnreachableError('supabase-auth', 'http://host', new Error('down')), true],
    ['bad input', new InvalidInputError('IDSYNC_ERR_INVALID_ID', 'nope'), false],
    ['a refused Postgres connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), true],
    ['a Postgres unique violation', Object.assign(new Error('duplicate key'), { code: '23505' }), false],
    ['a plain Error', new Error('fetch failed'), false],
    ['undefined', undefined, false],
  ])('%s: %s', (_label, error, retryable) => {
    expect(isRetryableSupabaseError(error)).toBe(retryable);
  });
});

describe('in a job', () => {
  it('an outage is retried and logged as IDSYNC_ERR_STORE_UNAVAILABLE; a refused key fails at once, naming Supabase', () => {
    const outage = toSupabaseError(new AuthRetryableFetchError('fetch failed', 0), 'update links');
    const refusedKey = toSupabaseError(new AuthApiError('invalid JWT', 403, 'bad_jwt'), 'update links');

    expect(toJobError(outage, isRetryableSupabaseError)).toBe(outage);
    expect(errorCode(outage, isRetryableSupabaseError)).toBe('IDSYNC_ERR_STORE_UNAVAILABLE');
    const failed = toJobError(refusedKey, isRetryableSupabaseError);
    expect(failed).toBeInstanceOf(UnrecoverableError);
    expect(failed).toMatchObject({ platform: 'supabase' });
    expect(errorCode(failed, isRetryableSupabaseError)).toBe('IDSYNC_ERR_SUPABASE_UNAUTHORIZED');
  });
});
