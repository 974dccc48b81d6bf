import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LOCAL_DEFAULTS } from '../config/local-defaults.ts';
import { codes, IdsyncError } from '../errors.ts';
import type { AuthFailures } from './auth-failures.ts';
import type { ErrorBody } from './http-errors.ts';

/** Who may use the dashboard (basic auth) and the API and /metrics (bearer token). */
export interface HttpCredentials {
  readonly dashboardUser: string;
  readonly dashboardPassword: string;
  readonly apiToken: string;
}

/**
 * Compares a secret in constant time: both sides are hashed first, so neither the position of the
 * first difference nor the length of the expected value shows in the time taken. The hash is of
 * the UTF-16 code units, which tell every two strings apart (UTF-8 would turn lone surrogates into
 * one replacement character).
 */
export function safeEqual(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf16le').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The user and password of an `Authorization: Basic …` header, or undefined. */
export function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The token of an `Authorization: Bearer …` header, or undefined. */
export function parseBearer(header: string | undefined): string | undefined {
  return /^Bearer +([\x21-\x7e]+) *$/i.exec(header ?? '')?.[1];
}

const HTTP_UNAUTHORIZED = 401;

function unauthorized(reply: FastifyReply, challenge: string): FastifyReply {
  const body: ErrorBody = { code: codes.UNAUTHORIZED, message: 'missing or wrong credentials' };
  return reply.code(HTTP_UNAUTHORIZED).header('www-authenticate', challenge).send(body);
}

/**
 * An onRequest hook that lets through only requests with the dashboard's user and password. An
 * address over its failure limit is answered 429; a request that brings wrong credentials counts
 * as one failure (one that brings none only gets the challenge a browser needs).
 */
export function requireBasicAuth(credentials: HttpCredentials, failures: AuthFailures) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const refused = await failures.refuse(request, reply);
    if (refused) return refused;
    const given = parseBasic(request.headers.authorization);
    // Both comparisons always run, so a right user name does not answer faster than a wrong one.
    const matches = [safeEqual(given?.user ?? '', credentials.dashboardUser), safeEqual(given?.password ?? '', credentials.dashboardPassword)];
    if (given && matches.every(Boolean)) return;
    if (request.headers.authorization !== undefined) await failures.count(request);
    request.log.info({ url: request.url.split('?')[0] }, 'dashboard request refused: missing or wrong credentials');
    return unauthorized(reply, 'Basic realm="idsync dashboard", charset="UTF-8"');
  };
}

/** An onRequest hook that lets through only requests bearing the API token; failures count as for the dashboard. */
export function requireBearerToken(credentials: HttpCredentials, failures: AuthFailures) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const refused = await failures.refuse(request, reply);
    if (refused) return refused;
    const token = parseBearer(request.headers.authorization);
    if (token !== undefined && safeEqual(token, credentials.apiToken)) return;
    if (request.headers.authorization !== undefined) await failures.count(request);
    request.log.info({ url: request.url.split('?')[0] }, 'API request refused: missing or wrong token');
    return unauthorized(reply, 'Bearer realm="idsync api"');
  };
}

/** Whether `host` only accepts connections from this machine: 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * Refuses to serve beyond loopback without real credentials: none given, an empty one, or the
 * local development defaults (which are public in this repository) all count as none.
 */
export function assertSafeToListen(host: string, credentials: HttpCredentials | undefined): void {
  if (isLoopbackHost(host)) return;
  const given: ReadonlyArray<readonly [string, string | undefined, string]> = [
    ['DASHBOARD_USER', credentials?.dashboardUser, ''],
    ['DASHBOARD_PASSWORD', credentials?.dashboardPassword, LOCAL_DEFAULTS.DASHBOARD_PASSWORD],
    ['API_TOKEN', credentials?.apiToken, LOCAL_DEFAULTS.API_TOKEN],
  ];
  const weak = given.filter(([, value, local]) => !value || value === local).map(([name]) => name);
  if (weak.length > 0) throw new InsecureHttpError(host, weak);
}

/** The HTTP server was asked to listen beyond loopback without credentials of its own. */
export class InsecureHttpError extends IdsyncError {
  /** The variables to set: missing, empty or still the local development value. */
  readonly variables: readonly string[];

  constructor(host: string, variables: readonly string[]) {
    super(
      codes.INSECURE_HTTP,
      `refusing to listen on ${host}, which is not a loopback address, without credentials of its own: set ${variables.join(', ')} (or listen on 127.0.0.1)`,
    );
    this.variables = variables;
  }
}
