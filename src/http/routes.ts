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
import type { RouteDoc } from './openapi.ts';
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
      schema: documented({
        summary: 'whether this process can take work: Redis and the ledger answer and it is not shutting down',
        answers: { 200: readinessAnswer, 503: readinessAnswer },
      }),
      handler: async (_request, reply) => {
        const report = await checkReady(readiness, state.closing(), context.logger, context.healthTimeoutMs);
        return reply.code(report.status === 'ready' ? HTTP_OK : HTTP_SERVICE_UNAVAILABLE).send(report);
      },
    },
  ];
}

/** The API's enqueueing endpoints: each validates its body, enqueues, and answers 202. */
function enqueueRoutes(operator: OperatorContext): Route[] {
  type Enqueue<T extends z.ZodType> = (context: OperatorContext, body: z.output<T>) => Promise<unknown>;
  const enqueueing = <T extends z.ZodType>(url: string, summary: string, body: T, enqueue: Enqueue<T>): Route => {
    const handler: RouteHandlerMethod = async (request, reply) => reply.code(HTTP_ACCEPTED).send(await enqueue(operator, validate(body, request.body)));
    return { method: 'POST', url, access: 'api', schema: documented({ summary, body, answers: { 202: enqueuedAnswer } }), handler };
  };
  return [
    enqueueing('/api/reconcile', 'one reconcile job for the person a record belongs to, deduplicated per record', reconcileBody, enqueueReconcile),
    enqueueing(
      '/api/backfill',
      'a backfill run: a reconcile for every record of the named platforms (default: every synced one)',
      backfillBody,
      enqueueBackfill,
    ),
    enqueueing('/api/audit', 'an audit run now (the body may be absent)', auditBody, enqueueAudit),
    enqueueing('/api/staff', 'a create-staff-member job (the same job while one for the email waits or runs)', staffBody, enqueueStaff),
  ];
}

/** A GET route for operators (the API token), documented as `doc` says. */
function apiRead(url: string, doc: RouteDoc, handler: RouteHandlerMethod): Route {
  return { method: 'GET', url, access: 'api', schema: documented(doc), handler };
}

function statusRoutes(operator: OperatorContext): Route[] {
  return [
    apiRead(
      '/api/status/:crmUserId',
      { summary: "the person's sync status as the last audit recorded it; 404 when none has", params: statusParams, answers: { 200: syncStatusAnswer } },
      async (request) => readStatus(operator.ledgerPool, validate(statusParams, request.params).crmUserId),
    ),
    apiRead(
      '/api/status/:platform/:id',
      {
        summary: 'the sync status of the person any record belongs to; 404 when no audit has checked them',
        params: recordStatusParams,
        answers: { 200: syncStatusAnswer },
      },
      async (request) => {
        const { platform, id } = validate(recordStatusParams, request.params);
        return readRecordStatus(operator, platform, id);
      },
    ),
  ];
}

function readRoutes(operator: OperatorContext): Route[] {
  const { registry } = operator.metrics;
  return [
    apiRead(
      '/api/findings',
      {
        summary: "the people out of sync and why: a page of the ledger's findings, newest first",
        querystring: findingsQuery,
        answers: { 200: findingsAnswer },
      },
      async (request) => readFindings(operator.ledgerPool, validate(findingsQuery, request.query)),
    ),
    apiRead('/metrics', { summary: 'Prometheus metrics', answers: {}, text: { 200: 'text/plain' } }, async (_request, reply) =>
      reply.type(registry.contentType).send(await registry.metrics()),
    ),
    apiRead(OPENAPI_PATH, { summary: 'this document: OpenAPI 3.1, generated from the route schemas', answers: { 200: openApiAnswer } }, async (request) =>
      request.server.swagger(),
    ),
  ];
}
