import type { RouteOptions } from 'fastify';
import type { Dependency } from '../app/dependency.ts';
import type { Logger } from '../logging/logger.ts';
import { checkHealth } from './handlers/health.ts';

const HTTP_OK = 200;
const HTTP_SERVICE_UNAVAILABLE = 503;

export interface RouteContext {
  dependencies: readonly Dependency[];
  logger: Logger;
  /** Bound on one dependency's health check, in ms. */
  healthTimeoutMs: number;
}

/** The route table: each entry is a method, a path and a thin handler. */
export function routes(context: RouteContext): RouteOptions[] {
  return [
    {
      method: 'GET',
      url: '/healthz',
      handler: async (_request, reply) => {
        const report = await checkHealth(context.dependencies, context.logger, context.healthTimeoutMs);
        return reply.code(report.status === 'ok' ? HTTP_OK : HTTP_SERVICE_UNAVAILABLE).send(report);
      },
    },
  ];
}
