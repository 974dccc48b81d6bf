import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { errorSpec } from '../error-codes.ts';
import { codes, IdsyncError, InvalidInputError } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';

/** One problem with a request: the field it concerns (a dotted path) and why. */
export interface RequestIssue {
  readonly field: string;
  readonly message: string;
  /** A stable code where one exists (e.g. codes.INVALID_ID for a malformed id). */
  readonly code?: ErrorCode;
}

/** The body of every error answer: a stable code, a message for people, and the fields at fault. */
export interface ErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
  readonly issues?: readonly RequestIssue[];
}

/** The field a request issue is about when it is the whole body or path rather than one field. */
export const WHOLE_INPUT = '(body)';

/** A request body or parameter that fails validation: answered 400 with every issue found. */
export class RequestValidationError extends InvalidInputError {
  readonly issues: readonly RequestIssue[];

  constructor(issues: readonly RequestIssue[]) {
    super(codes.INVALID_REQUEST, issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '));
    this.issues = issues;
  }
}

/** Validates `value` with `schema`; on failure throws a RequestValidationError naming each field. */
export function validate<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  // reportInput only lets a missing field be told from a wrong one; no input is ever echoed.
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw new RequestValidationError(result.error.issues.flatMap(toRequestIssues));
}

function toRequestIssues(issue: z.core.$ZodIssue): RequestIssue[] {
  const at = issue.path.map(String);
  const field = (path: readonly string[]) => (path.length > 0 ? path.join('.') : WHOLE_INPUT);
  // An unknown key is an issue of the object that holds it; the operator wants the key's name.
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: field([...at, key]), message: 'is not a known field' }));
  if (issue.code === 'invalid_type' && 'input' in issue && issue.input === undefined && at.length > 0) return [{ field: field(at), message: 'is required' }];
  return [{ field: field(at), message: issue.message }];
}

/** Fastify's own request errors, as idsync codes; any other 4xx of Fastify's is codes.BAD_REQUEST. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: codes.BODY_TOO_LARGE,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: codes.UNSUPPORTED_MEDIA_TYPE,
  FST_ERR_CTP_INVALID_JSON_BODY: codes.INVALID_JSON,
  FST_ERR_CTP_EMPTY_JSON_BODY: codes.INVALID_JSON,
  FST_ERR_MAX_PARAM_LENGTH: codes.URI_TOO_LONG,
  FST_ERR_BAD_URL: codes.INVALID_URL,
  FST_ERR_NOT_FOUND: codes.NOT_FOUND,
};

/** Messages of our own where Fastify's would echo the request's path back (up to the whole URL). */
const FASTIFY_MESSAGES: Partial<Record<ErrorCode, string>> = {
  [codes.URI_TOO_LONG]: 'a path parameter is longer than 100 characters',
  [codes.INVALID_URL]: 'the path is not valid percent-encoding',
};

const HTTP_BAD_REQUEST = 400;
const HTTP_SERVER_ERROR = 500;

/**
 * Maps any error to a status (the registry's for its code) and an ErrorBody. A 500 and an
 * unexpected error answer without details.
 */
export function toErrorAnswer(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof IdsyncError) {
    const status = errorSpec(error.code).httpStatus;
    const issues = error instanceof RequestValidationError ? { issues: error.issues } : {};
    return { status, body: { code: error.code, message: status === HTTP_SERVER_ERROR ? 'internal error' : error.message, ...issues } };
  }
  const fastify = error as Partial<FastifyError>;
  const status = fastify.statusCode ?? HTTP_SERVER_ERROR;
  if (status >= HTTP_BAD_REQUEST && status < HTTP_SERVER_ERROR) {
    const code = FASTIFY_CODES[fastify.code ?? ''] ?? codes.BAD_REQUEST;
    return { status: errorSpec(code).httpStatus, body: { code, message: FASTIFY_MESSAGES[code] ?? fastify.message ?? 'bad request' } };
  }
  return { status: HTTP_SERVER_ERROR, body: { code: codes.INTERNAL, message: 'internal error' } };
}

/** Fastify's error handler for idsync's routes: one JSON shape for every failure. */
export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body } = toErrorAnswer(error);
  if (status >= HTTP_SERVER_ERROR) request.log.error({ err: error, code: body.code }, 'request failed');
  return reply.code(status).send(body);
}

/** What Node's HTTP parser refuses before Fastify sees a request, in idsync's shape. */
const CLIENT_ERRORS: Record<string, ErrorBody> = {
  HPE_HEADER_OVERFLOW: { code: codes.HEADERS_TOO_LARGE, message: 'the request headers are larger than 16 KiB' },
  ERR_HTTP_REQUEST_TIMEOUT: { code: codes.REQUEST_TIMEOUT, message: 'the request did not arrive in time' },
};
const MALFORMED_REQUEST: ErrorBody = { code: codes.BAD_REQUEST, message: 'not a valid HTTP request' };

/**
 * Fastify's `clientErrorHandler`: a request Node's parser refuses (headers too large, a timeout,
 * malformed HTTP) is answered in the same `{code, message}` shape, then the connection is closed.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody to answer (as Fastify's own handler does).
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const body = CLIENT_ERRORS[error.code ?? ''] ?? MALFORMED_REQUEST;
  const status = errorSpec(body.code).httpStatus;
  const json = JSON.stringify(body);
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`);
  }
  socket.destroy(error);
}

/** An IdsyncError that answers with `code` (and the status the registry gives it). */
export function httpError(code: ErrorCode, message: string): IdsyncError {
  return new IdsyncError(code, message);
}
