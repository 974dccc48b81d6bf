import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Logger } from '../logging/logger.ts';
import { routes } from './routes.ts';
import type { RouteContext } from './routes.ts';

export interface HttpServerOptions extends RouteContext {
  /** Interface to listen on. Default: 127.0.0.1. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default: 3000. */
  port?: number;
  logger: Logger;
}

export interface HttpServer {
  readonly app: FastifyInstance;
  /** The address actually bound, e.g. http://127.0.0.1:3000. */
  readonly address: string;
  close(): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  // pino's Logger satisfies Fastify's logger interface; the cast only narrows Fastify's generics.
  const app: FastifyInstance = Fastify({ loggerInstance: options.logger.child({ component: 'http' }) as FastifyBaseLogger });
  for (const route of routes(options)) app.route(route);
  const address = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 3000 });
  let closed: Promise<void> | undefined;
  return { app, address, close: () => (closed ??= app.close()) };
}
