import type { RouteHandlerMethod } from 'fastify';
import type { OperatorContext, Route, RouteContext, ServerState } from './route-types.ts';
import type { z } from 'zod';
import { enqueueAudit, enqueueBackfill, enqueueReconcile } from './handlers/enqueue.ts';
import { readFindings } from './handlers/findings.ts';
import { checkHealth } from './handlers/health.ts';
import { checkReady } from './handlers/ready.ts';
import { enqueueStaff } from './handlers/staff.ts';
import { readRecordStatus, readStatus } from './handlers/status.ts';
import { validate } from './http-errors.ts';
import { ledgerForReads } from './ledger-reads.ts';
import { documented, OPENAPI_PATH } from './openapi.ts';
import { auditBody, backfillBody, findingsQuery, reconcileBody, recordStatusParams, staffBody, statusParams } from './request-schemas.ts';
import { enqueuedAnswer, findingsAnswer, healthAnswer, openApiAnswer, readinessAnswer, syncStatusAnswer } from './response-schemas.ts';

const HTTP_OK = 200;
const HTTP_ACCEPTED = 202;
const HTTP_SERVICE_UNAVAILABLE = 503;

const DEFAULT_READINESS = ['redis', 'ledger'];

/** The route table: each entry is a method, a path, who may call it and a thin handler. */
export function routes(context: RouteContext, state: ServerState): Route[] {
  const operator = context.operator && { ...context.operator, ledgerPool: ledgerForReads(context.operator.ledgerPool) };
  return [...healthRoutes(context, state), ...(operator ? [...enqueueRoutes(operator), ...statusRoutes(operator), ...readRoutes(operator)] : [])];
}

function healthRoutes(context: RouteContext, state: ServerState): Route[] {
  const required = context.readinessDependencies ?? DEFAULT_READINESS;
  const readiness = context.dependencies.filter((dependency) => required.includes(dependency.name));
  return [
    {
      method: 'GET',
      url: '/healthz',
      access: 'public',
      schema: documented({ summary: "each dependency's state and latency; 503 when one is down", answers: { 200: healthAnswer, 503: healthAnswer } }),
      handler: async (_request, reply) => {
        const report = await checkHealth(context.dependencies, context.logger, context.healthTimeoutMs);
        return reply.code(report.status === 'ok' ? HTTP_OK : HTTP_SERVICE_UNAVAILABLE).send(report);
      },
    },
    {
      method: 'GET',
      url: '/readyz',
      access: 'public',
      schema: documented({ summary: 'whether this process can take work: Redis and the ledger answer and it is not shutting down', answers: { 200: readinessAnswer, 503: readinessAnswer } }),
      handler: async (_request, reply) => {
        const report = await checkReady(readiness, state.closing(), context.logger, context.healthTimeoutMs);
        return reply.code(report.status === 'ready' ? HTTP_OK : HTTP_SERVICE_UNAVAILABLE).send(report);
      },
    },
  ];
}

/** The API's enqueueing endpoints: each validates its body, enqueues, and answers 202. */
function enqueueRoutes(operator: OperatorContext): Route[] {
  const accepted = (work: (body: unknown) => Promise<unknown>): RouteHandlerMethod => async (request, reply) => reply.code(HTTP_ACCEPTED).send(await work(request.body));
  const enqueues = (summary: string, body: z.ZodType) => documented({ summary, body, answers: { 202: enqueuedAnswer } });
  return [
    {
      method: 'POST',
      url: '/api/reconcile',
      access: 'api',
      schema: enqueues('one reconcile job for the person a record belongs to, deduplicated per record', reconcileBody),
      handler: accepted((body) => enqueueReconcile(operator, validate(reconcileBody, body))),
    },
    {
      method: 'POST',
      url: '/api/backfill',
      access: 'api',
      schema: enqueues('a backfill run: a reconcile for every record of the named platforms (default: every synced one)', backfillBody),
      handler: accepted((body) => enqueueBackfill(operator, validate(backfillBody, body))),
    },
    {
      method: 'POST',
      url: '/api/audit',
      access: 'api',
      schema: enqueues('an audit run now (the body may be absent)', auditBody),
      handler: accepted((body) => enqueueAudit(operator, validate(auditBody, body))),
    },
    {
      method: 'POST',
      url: '/api/staff',
      access: 'api',
      schema: enqueues('a create-staff-member job (the same job while one for the email waits or runs)', staffBody),
      handler: accepted((body) => enqueueStaff(operator, validate(staffBody, body))),
    },
  ];
}

function statusRoutes(operator: OperatorContext): Route[] {
  return [
    {
      method: 'GET',
      url: '/api/status/:crmUserId',
      access: 'api',
      schema: documented({ summary: "the person's sync status as the last audit recorded it; 404 when none has", params: statusParams, answers: { 200: syncStatusAnswer } }),
      handler: async (request) => readStatus(operator.ledgerPool, validate(statusParams, request.params).crmUserId),
    },
    {
      method: 'GET',
      url: '/api/status/:platform/:id',
      access: 'api',
      schema: documented({ summary: "the sync status of the person any record belongs to; 404 when no audit has checked them", params: recordStatusParams, answers: { 200: syncStatusAnswer } }),
      handler: async (request) => {
        const { platform, id } = validate(recordStatusParams, request.params);
        return readRecordStatus(operator, platform, id);
      },
    },
  ];
}

function readRoutes(operator: OperatorContext): Route[] {
  return [
    {
      method: 'GET',
      url: '/api/findings',
      access: 'api',
      schema: documented({ summary: 'the people out of sync and why: a page of the ledger\'s findings, newest first', querystring: findingsQuery, answers: { 200: findingsAnswer } }),
      handler: async (request) => readFindings(operator.ledgerPool, validate(findingsQuery, request.query)),
    },
    {
      method: 'GET',
      url: '/metrics',
      access: 'api',
      schema: documented({ summary: 'Prometheus metrics', answers: {}, text: { 200: 'text/plain' } }),
      handler: async (_request, reply) => reply.type(operator.metrics.registry.contentType).send(await operator.metrics.registry.metrics()),
    },
    {
      method: 'GET',
      url: OPENAPI_PATH,
      access: 'api',
      schema: documented({ summary: 'this document: OpenAPI 3.1, generated from the route schemas', answers: { 200: openApiAnswer } }),
      handler: async (request) => request.server.swagger(),
    },
  ];
}
