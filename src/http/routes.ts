import type { RouteHandlerMethod } from 'fastify';
import type { Pool } from 'pg';
import type { Dependency } from '../config/dependency.ts';
import type { Platform } from '../ids/index.ts';
import type { Logger } from '../logging/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Queues } from '../queues/queues.ts';
import type { HttpCredentials } from './auth.ts';
import { enqueueAudit, enqueueBackfill, enqueueReconcile } from './handlers/enqueue.ts';
import { checkHealth } from './handlers/health.ts';
import { checkReady } from './handlers/ready.ts';
import { enqueueStaff } from './handlers/staff.ts';
import { readStatus } from './handlers/status.ts';
import { validate } from './http-errors.ts';
import { auditBody, backfillBody, reconcileBody, staffBody, statusParams } from './request-schemas.ts';

const HTTP_OK = 200;
const HTTP_ACCEPTED = 202;
const HTTP_SERVICE_UNAVAILABLE = 503;

/** What the operator surface (Bull Board, the API, /metrics) works with. */
export interface OperatorContext {
  readonly credentials: HttpCredentials;
  /** Bull Board shows every queue; the API enqueues on them. */
  readonly queues: Queues;
  /** The ledger, for /api/status. */
  readonly ledgerPool: Pool;
  /** Served on /metrics, with the queue and audit gauges added. */
  readonly metrics: Metrics;
  /** The platforms this deployment syncs (src/platforms/registry.ts `syncedPlatforms`). */
  readonly platforms: readonly Platform[];
}

export interface RouteContext {
  dependencies: readonly Dependency[];
  logger: Logger;
  /** Bound on one dependency's health check, in ms. */
  healthTimeoutMs: number;
  /** The dependencies /readyz requires to answer. Default: redis and ledger. */
  readinessDependencies?: readonly string[];
  /** Bull Board, the API and /metrics. Without it only /healthz and /readyz are served. */
  operator?: OperatorContext;
}

/** Who may call a route: anyone (health) or a holder of the API token. */
export type Access = 'public' | 'api';

export interface Route {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly access: Access;
  readonly handler: RouteHandlerMethod;
}

export interface ServerState {
  /** True once the server has begun to shut down. */
  closing(): boolean;
}

const DEFAULT_READINESS = ['redis', 'ledger'];

/** The route table: each entry is a method, a path, who may call it and a thin handler. */
export function routes(context: RouteContext, state: ServerState): Route[] {
  return [...healthRoutes(context, state), ...(context.operator ? apiRoutes(context.operator) : [])];
}

function healthRoutes(context: RouteContext, state: ServerState): Route[] {
  const required = context.readinessDependencies ?? DEFAULT_READINESS;
  const readiness = context.dependencies.filter((dependency) => required.includes(dependency.name));
  return [
    {
      method: 'GET',
      url: '/healthz',
      access: 'public',
      handler: async (_request, reply) => {
        const report = await checkHealth(context.dependencies, context.logger, context.healthTimeoutMs);
        return reply.code(report.status === 'ok' ? HTTP_OK : HTTP_SERVICE_UNAVAILABLE).send(report);
      },
    },
    {
      method: 'GET',
      url: '/readyz',
      access: 'public',
      handler: async (_request, reply) => {
        const report = await checkReady(readiness, state.closing(), context.logger, context.healthTimeoutMs);
        return reply.code(report.status === 'ready' ? HTTP_OK : HTTP_SERVICE_UNAVAILABLE).send(report);
      },
    },
  ];
}

function apiRoutes(operator: OperatorContext): Route[] {
  const accepted = (work: (body: unknown) => Promise<unknown>): RouteHandlerMethod => async (request, reply) => reply.code(HTTP_ACCEPTED).send(await work(request.body));
  return [
    { method: 'POST', url: '/api/reconcile', access: 'api', handler: accepted((body) => enqueueReconcile(operator, validate(reconcileBody, body))) },
    { method: 'POST', url: '/api/backfill', access: 'api', handler: accepted((body) => enqueueBackfill(operator, validate(backfillBody, body))) },
    { method: 'POST', url: '/api/audit', access: 'api', handler: accepted((body) => enqueueAudit(operator, validate(auditBody, body))) },
    { method: 'POST', url: '/api/staff', access: 'api', handler: accepted((body) => enqueueStaff(operator, validate(staffBody, body))) },
    {
      method: 'GET',
      url: '/api/status/:crmUserId',
      access: 'api',
      handler: async (request) => readStatus(operator.ledgerPool, validate(statusParams, request.params).crmUserId),
    },
    {
      method: 'GET',
      url: '/metrics',
      access: 'api',
      handler: async (_request, reply) => reply.type(operator.metrics.registry.contentType).send(await operator.metrics.registry.metrics()),
    },
  ];
}
