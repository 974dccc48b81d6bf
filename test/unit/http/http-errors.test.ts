import { describe, expect, it } from 'vitest';
import { ERROR_CODE_LIST, errorSpec } from '../../../src/error-codes.ts';
import { IdsyncError } from '../../../src/errors.ts';
import { RequestValidationError, toErrorAnswer } from '../../../src/http/http-errors.ts';

describe('toErrorAnswer', () => {
  it.each(ERROR_CODE_LIST)('answers %s with the status the registry gives it, with no details on a 500', (code) => {
    const { status, body } = toErrorAnswer(new IdsyncError(code, 'what happened'));
    expect({ status, code: body.code, detailed: body.message === 'what happened' }).toEqual({
      status: errorSpec(code).httpStatus,
      code,
      detailed: errorSpec(code).httpStatus !== 500,
    });
  });

  it('keeps the issues of a request that fails validation', () => {
    const issues = [{ field: 'id', message: 'is required' }];
    expect(toErrorAnswer(new RequestValidationError(issues))).toMatchObject({ status: 400, body: { code: 'IDSYNC_ERR_INVALID_REQUEST', issues } });
  });

  it.each([
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'IDSYNC_ERR_BODY_TOO_LARGE', 413],
    ['FST_ERR_NOT_FOUND', 404, 'IDSYNC_ERR_NOT_FOUND', 404],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 'IDSYNC_ERR_BAD_REQUEST', 400],
  ])("answers Fastify's %s (%i) as %s, %i", (fastifyCode, fastifyStatus, code, status) => {
    const error = Object.assign(new Error('from fastify'), { code: fastifyCode, statusCode: fastifyStatus });
    expect(toErrorAnswer(error)).toMatchObject({ status, body: { code } });
  });

  it('answers an error that is not idsync\'s with a 500 and no details', () => {
    expect(toErrorAnswer(new TypeError('x is undefined'))).toEqual({ status: 500, body: { code: 'IDSYNC_ERR_INTERNAL', message: 'internal error' } });
  });
});
