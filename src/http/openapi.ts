import { readFile } from 'node:fs/promises';
import swagger from '@fastify/swagger';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { z } from 'zod';
import { DASHBOARD_PATH } from './dashboard.ts';
import { errorAnswer } from './response-schemas.ts';
import type { Route } from './route-types.ts';

/** Where the OpenAPI document is served (behind the API token, as the rest of the API). */
export const OPENAPI_PATH = '/openapi.json';

const API_TOKEN_SCHEME = 'apiToken';
/** Marks a route whose body may be absent; @fastify/swagger copies `x-` keys onto the operation. */
const OPTIONAL_BODY = 'x-idsync-optional-body';

/** A zod schema as the JSON Schema (2020-12, which OpenAPI 3.1 uses) that the document carries. */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
}

export interface RouteDoc {
  readonly summary: string;
  /** The request body the handler validates (src/http/request-schemas.ts). */
  readonly body?: z.ZodType;
  /** The path parameters the handler validates. */
  readonly params?: z.ZodType;
  /** The query-string parameters the handler validates. */
  readonly querystring?: z.ZodType;
  /** The answers on success, by status (src/http/response-schemas.ts); failures are added. */
  readonly answers: Readonly<Record<number, z.ZodType>>;
  /** Answers that are not JSON, by status and content type, e.g. Prometheus text. */
  readonly text?: Readonly<Record<number, string>>;
}

/** A route's schema for the document, from the same zod schemas its handler validates with. */
export function documented(doc: RouteDoc): FastifySchema {
  const failure = jsonSchema(errorAnswer, 'output');
  const json = Object.entries(doc.answers).map(([status, schema]) => [status, jsonSchema(schema, 'output')]);
  const text = Object.entries(doc.text ?? {}).map(([status, type]) => [status, { content: { [type]: { schema: { type: 'string' } } } }]);
  return {
    summary: doc.summary,
    ...(doc.body ? { body: jsonSchema(doc.body), ...(doc.body.safeParse(undefined).success ? { [OPTIONAL_BODY]: true } : {}) } : {}),
    ...(doc.params ? { params: jsonSchema(doc.params) } : {}),
    ...(doc.querystring ? { querystring: jsonSchema(doc.querystring) } : {}),
    response: { ...Object.fromEntries([...json, ...text]), '4xx': failure, '5xx': failure },
  };
}

/**
 * Fastify's options for one entry of the route table. Its schema is for the document only: the
 * handler validates with zod (one answer shape for every bad input), so Fastify's own validator
 * and serializer leave the request and the answer as they are.
 */
export function routeOptions(route: Route): RouteOptions {
  const { access, schema, ...rest } = route;
  const security = access === 'api' ? { security: [{ [API_TOKEN_SCHEME]: [] }] } : {};
  return {
    ...rest,
    schema: { ...schema, ...security },
    validatorCompiler: () => () => true,
    serializerCompiler: () => (data) => JSON.stringify(data),
  };
}

/**
 * @fastify/swagger, registered before any route so that it sees every one; GET /openapi.json
 * serves its document. Bull Board's own routes (its page, files and internal API) are left out.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'idsync', version, description: "The HTTP API of idsync: enqueue work, read a person's sync status, health and metrics." },
      components: { securitySchemes: { [API_TOKEN_SCHEME]: { type: 'http', scheme: 'bearer', description: 'the API_TOKEN' } } },
    },
    transform: ({ schema, url }) => ({ schema: url.startsWith(DASHBOARD_PATH) ? { ...schema, hide: true } : schema, url }),
    transformObject: (document) => markOptionalBodies('openapiObject' in document ? document.openapiObject : document.swaggerObject),
  });
}

type Operation = { requestBody?: { required?: boolean } } & Record<string, unknown>;

/** The plugin writes every request body as required; a route whose body may be absent (OPTIONAL_BODY) says so. */
function markOptionalBodies<T extends { paths?: object }>(document: T): T {
  for (const methods of Object.values(document.paths ?? {}) as Array<Record<string, Operation>>) {
    for (const operation of Object.values(methods)) {
      if (!(OPTIONAL_BODY in operation)) continue;
      Reflect.deleteProperty(operation, OPTIONAL_BODY);
      if (operation.requestBody) operation.requestBody.required = false;
    }
  }
  return document;
}
