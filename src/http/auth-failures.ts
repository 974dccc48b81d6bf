import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { codes } from '../errors.ts';
import type { ErrorBody } from './http-errors.ts';

/** How many failed authentications one address may make before it is answered 429. */
export interface AuthFailureLimit {
  /** Failed authentications (wrong token, wrong user or password) per address and window. Default: 10. */
  readonly limit?: number;
  /** The window, in ms, from the address's first failure; the count starts again after it. Default: 900000 (15 min). */
  readonly windowMs?: number;
}

export const DEFAULT_AUTH_FAILURE_LIMIT = 10;
export const DEFAULT_AUTH_FAILURE_WINDOW_MS = 15 * 60 * 1000;

/** What the API's and the dashboard's auth hooks share: one count of failures per address. */
export interface AuthFailures {
  /** Answers 429 when the request's address has used up its failures; undefined lets it through to the credential check. */
  refuse(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
  /** Counts one failed authentication of the request's address. */
  count(request: FastifyRequest): Promise<void>;
}

const HTTP_TOO_MANY_REQUESTS = 429;

/**
 * Counts failed authentications per address with @fastify/rate-limit (its in-memory store, so per
 * process; IPv6 addresses by /64). Only failures are counted, and an address over the limit is
 * refused before its credentials are checked: a right guess then answers 429 like a wrong one.
 */
export async function registerAuthFailureLimit(app: FastifyInstance, options: AuthFailureLimit = {}): Promise<AuthFailures> {
  const limit = options.limit ?? DEFAULT_AUTH_FAILURE_LIMIT;
  await app.register(rateLimit, { global: false, max: limit, timeWindow: options.windowMs ?? DEFAULT_AUTH_FAILURE_WINDOW_MS });
  const limiter = app.createRateLimit();
  return {
    refuse: async (request, reply) => {
      const state = await limiter(request, { increment: false });
      if (state.isAllowed || state.remaining > 0) return undefined;
      const body: ErrorBody = { code: codes.TOO_MANY_AUTH_FAILURES, message: `too many failed authentications from this address; retry in ${state.ttlInSeconds} s` };
      return reply.code(HTTP_TOO_MANY_REQUESTS).header('retry-after', String(state.ttlInSeconds)).send(body);
    },
    count: async (request) => {
      const state = await limiter(request);
      // Logged once, by the failure that reaches the limit; later ones are refused before they count.
      if (!state.isAllowed && state.remaining === 0 && !state.isExceeded) {
        request.log.warn({ address: state.key, limit, retryAfterSeconds: state.ttlInSeconds }, 'failed authentications reached the limit: the address is answered 429 until the window ends');
      }
    },
  };
}
