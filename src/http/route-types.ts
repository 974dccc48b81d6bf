import type { FastifySchema, RouteHandlerMethod } from 'fastify';
import type { Pool } from 'pg';
import type { Dependency } from '../config/dependency.ts';
import type { Platform } from '../ids/index.ts';
import type { Logger } from '../logging/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Adapters } from '../platforms/platform-adapter.ts';
import type { Queues } from '../queues/queues.ts';
import type { HttpCredentials } from './auth.ts';

/* What the route table (routes.ts), its handlers and the OpenAPI document share. */

/** What the operator surface (Bull Board, the API, /metrics) works with. */
export interface OperatorContext {
  readonly credentials: HttpCredentials;
  /** Bull Board shows every queue; the API enqueues on them. */
  readonly queues: Queues;
  /** The ledger, for /api/status and /api/findings. */
  readonly ledgerPool: Pool;
  /** Served on /metrics, with the queue and audit gauges added. */
  readonly metrics: Metrics;
  /**
   * The synced platforms' adapters: /api/status/:platform/:id reads a record's links where the
   * ledger cannot tell its person. Default: none (the ledger alone).
   */
  readonly adapters?: Adapters;
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
  /** What GET /openapi.json says of the route (src/http/openapi.ts `documented`): every route has one. */
  readonly schema: FastifySchema;
  readonly handler: RouteHandlerMethod;
}

export interface ServerState {
  /** True once the server has begun to shut down. */
  closing(): boolean;
}
