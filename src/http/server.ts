import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { codes, IdsyncError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { addAuditGauges, addQueueGauges } from '../metrics/collectors.ts';
import { registerAuthFailureLimit } from './auth-failures.ts';
import type { AuthFailureLimit } from './auth-failures.ts';
import { assertSafeToListen, requireBearerToken } from './auth.ts';
import { registerDashboard } from './dashboard.ts';
import { clientErrorHandler, errorHandler, httpError } from './http-errors.ts';
import { registerOpenApi, routeOptions } from './openapi.ts';
import { routes } from './routes.ts';
import type { OperatorContext, Route, RouteContext } from './route-types.ts';

export interface HttpServerOptions extends RouteContext {
  /** Interface to listen on. Default: 127.0.0.1. Beyond loopback, real credentials are required. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default: 3000. */
  port?: number;
  /** Largest request body accepted, in bytes; a larger one is answered 413. Default: 16384. */
  bodyLimitBytes?: number;
  /** Failed authentications per address before the API and the dashboard answer 429. Default: 10 per 15 minutes. */
  authFailures?: AuthFailureLimit;
  logger: Logger;
}

export interface HttpServer {
  readonly app: FastifyInstance;
  /** The address actually bound, e.g. http://127.0.0.1:3000. */
  readonly address: string;
  /** Answers /readyz with 503 from now on, then stops serving. Safe to call more than once. */
  close(): Promise<void>;
}

const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024;

/**
 * One HTTP server: /healthz and /readyz for anyone; with `operator`, Bull Board at
 * /admin/queues (basic auth), the API under /api, /metrics and /openapi.json (bearer token). Refuses, before
 * binding anything, to listen beyond loopback without credentials of its own.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const host = options.host ?? '127.0.0.1';
  assertSafeToListen(host, options.operator?.credentials);
  const app: FastifyInstance = Fastify({
    // pino's Logger satisfies Fastify's logger interface; the cast only narrows Fastify's generics.
    loggerInstance: options.logger.child({ component: 'http' }, { serializers: { req: requestForLog } }) as FastifyBaseLogger,
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    // The failures Fastify answers before any route or error handler runs (a path parameter over
    // 100 characters, bad percent-encoding, a request Node cannot parse) get the same shape too.
    frameworkErrors: errorHandler,
    clientErrorHandler,
  });
  let closing = false;
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => errorHandler(httpError(codes.NOT_FOUND, `no route ${request.method} ${request.url.split('?')[0]}`), request, reply));
  const table = routes(options, { closing: () => closing });
  if (options.operator) await registerOpenApi(app);
  for (const route of table.filter((entry) => entry.access === 'public')) app.route(routeOptions(route));
  if (options.operator) await registerOperatorSurface(app, options, options.operator, table);
  const address = await listen(app, host, options.port ?? 3000);
  let closed: Promise<void> | undefined;
  const close = () => {
    closing = true;
    return (closed ??= app.close());
  };
  return { app, address, close };
}

/**
 * What a request's log lines say of it: Fastify's summary without the query string, where a client
 * may put anything (a token as `?access_token=`, an address); the routes' own parameters are in the path.
 */
function requestForLog(request: FastifyRequest) {
  return { method: request.method, url: request.url.split('?')[0], host: request.host, remoteAddress: request.ip, remotePort: request.socket?.remotePort };
}

/**
 * Binds the port. A port that is taken or refused is an IdsyncError (one line from the CLI, exit 1)
 * instead of Node's error with its stack; the server is closed again first.
 */
async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  try {
    return await app.listen({ host, port });
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new IdsyncError(codes.PORT_IN_USE, `cannot listen on ${host}:${port}: something else listens there (set HTTP_PORT to a free port)`, { cause: error });
    if (typeof code === 'string' && code.startsWith('E')) throw new IdsyncError(codes.CANNOT_LISTEN, `cannot listen on ${host}:${port}: ${code}`, { cause: error });
    throw error;
  }
}

async function registerOperatorSurface(app: FastifyInstance, options: HttpServerOptions, operator: OperatorContext, table: readonly Route[]): Promise<void> {
  addQueueGauges(operator.metrics, operator.queues, options.logger);
  addAuditGauges(operator.metrics, operator.ledgerPool, options.logger);
  // One count for the API and the dashboard: a guess at either uses up the address's failures.
  const failures = await registerAuthFailureLimit(app, options.authFailures);
  await app.register(async (scope) => {
    scope.addHook('onRequest', requireBearerToken(operator.credentials, failures));
    // Bodies are JSON only: without this, Fastify parses text/plain into a string.
    scope.removeContentTypeParser('text/plain');
    for (const route of table.filter((entry) => entry.access === 'api')) scope.route(routeOptions(route));
  });
  await registerDashboard(app, operator.queues, operator.credentials, failures);
}
