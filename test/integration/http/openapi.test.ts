import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { errorAnswer, enqueuedAnswer, findingsAnswer, healthAnswer, readinessAnswer, syncStatusAnswer } from '../../../src/http/response-schemas.ts';
import { routes } from '../../../src/http/routes.ts';
import { createHttpFixture } from '../../support/http-fixture.ts';
import type { HttpFixture } from '../../support/http-fixture.ts';

interface Operation {
  summary?: string;
  security?: Array<Record<string, string[]>>;
  responses?: Record<string, unknown>;
  requestBody?: unknown;
  parameters?: Array<{ name: string; in: string }>;
}

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
}

/** A Fastify path (`/api/status/:crmUserId`) as OpenAPI writes it (`/api/status/{crmUserId}`). */
const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

/**
 * GET /openapi.json: the OpenAPI 3 document @fastify/swagger generates from the route table's
 * schemas (zod's, as JSON Schema), behind the API token as all but the health routes are.
 */
describe('the OpenAPI document', () => {
  let fixture: HttpFixture;
  let document: OpenApiDocument;

  beforeAll(async () => {
    fixture = await createHttpFixture();
    const answer = await fixture.request('GET', '/openapi.json');
    expect(answer.status).toBe(200);
    document = answer.body as OpenApiDocument;
  });

  afterAll(async () => {
    await fixture?.dispose();
  });

  it('is OpenAPI 3 with paths, and names the bearer token scheme', () => {
    expect(document.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(document.info).toEqual({ title: 'idsync', version: expect.stringMatching(/^\d+\.\d+\.\d+/), description: expect.any(String) });
    expect(Object.keys(document.paths).length).toBeGreaterThan(0);
    expect(document.components.securitySchemes).toEqual({ apiToken: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
  });

  it('holds every route of the route table, with a summary and its answers, and nothing of Bull Board', () => {
    const table = routes(fixture.options, { closing: () => false });
    for (const route of table) {
      const operation = document.paths[openApiPath(route.url)]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.url}`).toBeDefined();
      expect(operation?.summary, `${route.method} ${route.url}`).toEqual(expect.any(String));
      expect(Object.keys(operation?.responses ?? {}), `${route.method} ${route.url}`).toEqual(expect.arrayContaining(['4XX', '5XX']));
      expect(operation?.security ?? [], `${route.method} ${route.url}`).toEqual(route.access === 'api' ? [{ apiToken: [] }] : []);
    }
    const documented = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`));
    expect(documented.sort()).toEqual(table.map((route) => `${route.method.toLowerCase()} ${openApiPath(route.url)}`).sort());
  });

  it("describes a route's body and path parameters as its handler validates them", () => {
    const reconcile = document.paths['/api/reconcile']?.post;
    expect(JSON.stringify(reconcile?.requestBody)).toContain('"additionalProperties":false');
    expect(JSON.stringify(reconcile?.requestBody)).toContain('"bookmaster"');
    expect(JSON.stringify(document.paths['/api/staff']?.post?.requestBody)).toContain('"SALES"');
    expect(document.paths['/api/status/{crmUserId}']?.get?.parameters).toEqual([expect.objectContaining({ name: 'crmUserId', in: 'path' })]);
    expect(document.paths['/api/findings']?.get?.parameters).toEqual(
      expect.arrayContaining(['kind', 'platform', 'limit', 'offset'].map((name) => expect.objectContaining({ name, in: 'query' }))),
    );
    expect(reconcile?.requestBody).toMatchObject({ required: true });
    expect(document.paths['/api/audit']?.post?.requestBody).toMatchObject({ required: false });
    expect(JSON.stringify(document)).not.toContain('x-idsync');
  });

  it('is refused without the API token, as the rest of the API (IDSYNC_ERR_UNAUTHORIZED)', async () => {
    const answer = await fixture.request('GET', '/openapi.json', { token: null });
    expect(answer.status).toBe(401);
    expect((answer.body as { code: string }).code).toBe('IDSYNC_ERR_UNAUTHORIZED');
  });

  it('describes what the server really answers', async () => {
    const matches = (schema: z.ZodType, body: unknown) => expect(schema.safeParse(body).error).toBeUndefined();
    matches(enqueuedAnswer, (await fixture.request('POST', '/api/reconcile', { body: { platform: 'crm', id: '65f0c0ffee0000000000beef' } })).body);
    matches(healthAnswer, (await fixture.request('GET', '/healthz', { token: null })).body);
    matches(readinessAnswer, (await fixture.request('GET', '/readyz', { token: null })).body);
    matches(errorAnswer, (await fixture.request('POST', '/api/reconcile', { body: { platform: 'crm' } })).body);
    matches(errorAnswer, (await fixture.request('GET', '/nothing')).body);
    const userId = '65f0c0ffee0000000000f00d';
    await fixture.ledger.connection.pool.query(`insert into sync_status (user_id, platforms_in_sync, issues, last_check) values ($1, $2, '[]'::jsonb, now())`, [userId, ['crm']]);
    matches(syncStatusAnswer, (await fixture.request('GET', `/api/status/${userId}`)).body);
    matches(findingsAnswer, (await fixture.request('GET', '/api/findings')).body);
  });
});
