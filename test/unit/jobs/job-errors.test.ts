import { UnrecoverableError } from 'bullmq';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { errorCode, FinalJobError, JobFailedError, readJobFailure, toJobError } from '../../../src/jobs/job-errors.ts';
import { exitCodeOf } from '../../../src/cli/exit-codes.ts';
import { ERROR_CODE_LIST, errorSpec } from '../../../src/error-codes.ts';
import { codes, IdsyncError, InvalidInputError } from '../../../src/errors.ts';
import { EmailTakenError } from '../../../src/platforms/profile-target.ts';

const never = () => false;
const always = () => true;

describe('toJobError', () => {
  it('hands BullMQ a retryable error as it is, so the job is retried', () => {
    const outage = new IdsyncError(codes.STORE_UNAVAILABLE, 'down');
    const driver = new Error('connection reset');
    expect(toJobError(outage, never)).toBe(outage);
    expect(toJobError(driver, always)).toBe(driver);
  });

  it('makes any other failure an UnrecoverableError that keeps its code and platform', () => {
    const taken = new EmailTakenError('omnistack', '6650f0c2a1b2c3d4e5f60718', 'same-address');
    const final = toJobError(taken, always);
    expect(final).toBeInstanceOf(UnrecoverableError);
    expect(final).toMatchObject({ code: 'IDSYNC_ERR_EMAIL_TAKEN', platform: 'omnistack', cause: taken, stack: taken.stack });
    expect(toJobError(new TypeError('a bug'), never)).toMatchObject({ code: 'IDSYNC_ERR_UNEXPECTED', platform: null });
  });
});

describe('errorCode', () => {
  it.each<[string, unknown, (error: unknown) => boolean, string]>([
    ['an IdsyncError', new InvalidInputError(codes.INVALID_ID, 'x'), always, 'IDSYNC_ERR_INVALID_ID'],
    ['a FinalJobError', new FinalJobError({ code: codes.GATHER_LIMIT, platform: null }, 'x', undefined), always, 'IDSYNC_ERR_GATHER_LIMIT'],
    ['a driver error that may pass on retry', new Error('ECONNRESET'), always, 'IDSYNC_ERR_STORE_UNAVAILABLE'],
    ['any other error, whatever its message says', new Error('IDSYNC_ERR_EMAIL_TAKEN: no'), never, 'IDSYNC_ERR_UNEXPECTED'],
    ['no error at all', undefined, never, 'IDSYNC_ERR_UNEXPECTED'],
  ])('of %s is %s', (_label, error, isRetryable, code) => {
    expect(errorCode(error, isRetryable)).toBe(code);
  });
});

describe('readJobFailure', () => {
  it('reads a failure the worker wrote', () => {
    expect(readJobFailure({ data: { id: '1', failure: { code: 'IDSYNC_ERR_EMAIL_TAKEN', platform: 'supabase' } } })).toEqual({
      code: 'IDSYNC_ERR_EMAIL_TAKEN',
      platform: 'supabase',
    });
  });

  it('finds none in data that holds no failure it could have written: job data is input', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(readJobFailure({ data: value })).toBeNull();
        expect(readJobFailure({ data: { failure: value } })).toBeNull();
      }),
    );
    for (const failure of [{ code: 'IDSYNC_ERR_NOPE', platform: null }, { code: 'IDSYNC_ERR_UNEXPECTED', platform: 'x'.repeat(41) }, { code: 'IDSYNC_ERR_UNEXPECTED' }]) {
      expect(readJobFailure({ data: { failure } })).toBeNull();
    }
  });
});

describe('exitCodeOf', () => {
  it.each(ERROR_CODE_LIST)('exits 2 for %s only when its kind is input; a job that failed with it exits 1', (code) => {
    expect(exitCodeOf(new IdsyncError(code, 'x'))).toBe(errorSpec(code).kind === 'input' ? 2 : 1);
    expect(exitCodeOf(new JobFailedError({ code, platform: null }, 'x'))).toBe(1);
  });
});
