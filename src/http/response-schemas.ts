import { z } from 'zod';
import { ERROR_CODE_LIST } from '../error-codes.ts';
import { codes } from '../errors.ts';
import { PLATFORMS } from '../ids/index.ts';

/**
 * The answers of the HTTP server, as the OpenAPI document (GET /openapi.json) describes them. They
 * are not used to shape answers (the handlers' own types do that); the OpenAPI test checks real
 * answers against them, so the document cannot drift from what the server sends.
 */

/** Every failure (src/http/http-errors.ts `ErrorBody`). */
export const errorAnswer = z.object({
  code: z.enum(ERROR_CODE_LIST).meta({ description: 'stable: branch on it (the README lists every code)' }),
  message: z.string().meta({ description: 'for people; may change' }),
  issues: z
    .array(z.object({ field: z.string(), message: z.string(), code: z.enum(ERROR_CODE_LIST).optional() }))
    .optional()
    .meta({ description: `one per problem with the request (400 ${codes.INVALID_REQUEST})` }),
});

/** 202 from every enqueueing endpoint (src/http/handlers/enqueue.ts `Enqueued`). */
export const enqueuedAnswer = z.object({
  queue: z.string(),
  name: z.string(),
  jobId: z.string().optional().meta({ description: 'the BullMQ job id; for maintenance jobs also the run id' }),
  key: z.string().optional().meta({ description: 'the record key, for a reconcile' }),
});

/** GET /healthz (src/http/handlers/health.ts `HealthReport`). */
export const healthAnswer = z.object({
  status: z.enum(['ok', 'unavailable']),
  dependencies: z.record(z.string(), z.object({ status: z.enum(['up', 'down']), latencyMs: z.number() })),
});

/** GET /readyz (src/http/handlers/ready.ts `ReadinessReport`). */
export const readinessAnswer = z.object({
  status: z.enum(['ready', 'not-ready']),
  checks: z.record(z.string(), z.enum(['up', 'down'])),
  closing: z.boolean(),
});

/** GET /api/status/:crmUserId: the ledger's sync_status row (src/ledger/sync-status.ts `SyncStatus`). */
export const syncStatusAnswer = z.object({
  userId: z.string(),
  platformsInSync: z.array(z.enum(PLATFORMS)),
  issues: z.array(z.record(z.string(), z.unknown())).meta({ description: 'ids and reasons only' }),
  lastCheck: z.iso.datetime(),
  auditRunId: z.string().nullable(),
});

/** GET /api/findings: one page of the ledger's findings (src/ledger/findings.ts `FindingsPage`). */
export const findingsAnswer = z.object({
  findings: z.array(
    z.object({
      personKey: z.string().meta({ description: "'<platform>:<id>' of the record the person was reached from" }),
      crmUserId: z.string().nullable(),
      platform: z.enum(PLATFORMS),
      recordId: z.string().nullable(),
      kind: z.string(),
      rule: z.string().meta({ description: 'the rule that decided, e.g. newest-wins, id-claim' }),
      detail: z.record(z.string(), z.unknown()).meta({ description: 'ids and reasons only' }),
      firstSeenAt: z.iso.datetime(),
      lastSeenAt: z.iso.datetime(),
      occurrences: z.number().int(),
      auditRunId: z.string().nullable(),
    }),
  ),
  nextOffset: z.number().int().nullable().meta({ description: 'the offset of the next page; null on the last one' }),
});

/** GET /openapi.json: this document. */
export const openApiAnswer = z.object({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) });
