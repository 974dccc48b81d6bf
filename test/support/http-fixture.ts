import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import type { Adapters } from '../../src/platforms/platform-adapter.ts';
import type { Dependency } from '../../src/config/dependency.ts';
import type { AuthFailureLimit } from '../../src/http/auth-failures.ts';
import type { HttpCredentials } from '../../src/http/auth.ts';
import { startHttpServer } from '../../src/http/server.ts';
import type { HttpServer, HttpServerOptions } from '../../src/http/server.ts';
import type { Platform } from '../../src/ids/index.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { createMetrics } from '../../src/metrics/metrics.ts';
import type { Metrics } from '../../src/metrics/metrics.ts';
import type { Queues } from '../../src/queues/queues.ts';
import { openRequestQueues } from '../../src/queues/request-queues.ts';
import { createLedgerFixture } from './ledger-fixture.ts';
import type { LedgerFixture } from './ledger-fixture.ts';
import { uniqueName } from './names.ts';
import { testConfig } from './services.ts';
import { cleanUp } from './clean-up.ts';

/** Credentials of one test's own: random, so no test passes by accident with the local defaults. */
export function testCredentials(): HttpCredentials {
  return { dashboardUser: 'operator', dashboardPassword: randomBytes(12).toString('hex'), apiToken: randomBytes(24).toString('hex') };
}

export interface ApiAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** The JSON body, or the text when it is not JSON. */
  readonly body: unknown;
}

export interface RequestOptions {
  /** Sent as JSON unless `raw` is given. */
  body?: unknown;
  /** Sent as is (with `contentType`, default application/json). */
  raw?: string;
  contentType?: string;
  /** The bearer token; null sends no Authorization header. Default: the fixture's token. */
  token?: string | null;
  /** Basic auth instead of the bearer token. */
  basic?: { user: string; password: string };
}

/**
 * The HTTP server on the real services, in namespaces of its own: queues on a unique prefix, a
 * ledger database, random credentials, a port picked by the system. `logs` keeps every log line.
 */
export interface HttpFixture {
  readonly server: HttpServer;
  /** What the server was started with (its route table can be built from them). */
  readonly options: HttpServerOptions;
  readonly url: string;
  readonly credentials: HttpCredentials;
  readonly queues: Queues;
  readonly prefix: string;
  readonly redis: Redis;
  readonly ledger: LedgerFixture;
  readonly metrics: Metrics;
  readonly logs: string[];
  request(method: string, path: string, options?: RequestOptions): Promise<ApiAnswer>;
  dispose(): Promise<void>;
}

export interface HttpFixtureOptions {
  /** Default: the local development set (crm, omnistack, bookmaster). */
  platforms?: readonly Platform[];
  bodyLimitBytes?: number;
  /** Replaces the dependencies /healthz and /readyz check. Default: this fixture's Redis and ledger. */
  dependencies?: readonly Dependency[];
  /** The Redis the queues live in. Default: the local service. */
  redisUrl?: string;
  /** The database the ledger lives in. Default: a temporary one on the local service. */
  ledgerUrl?: string;
  /** How long a request waits for Redis (CONNECT_TIMEOUT_MS), in ms. Default: 2000. */
  timeoutMs?: number;
  /** The synced platforms' adapters the server reads records through. Default: none. */
  adapters?: Adapters;
  /**
   * Failed logins per address before 429. Default: 1000 per 15 minutes, so that tests sending wrong
   * credentials on purpose (all from 127.0.0.1) are not locked out; the limiter's own test sets its own.
   */
  authFailures?: AuthFailureLimit;
}

const GENEROUS_AUTH_FAILURES: AuthFailureLimit = { limit: 1_000 };

export async function createHttpFixture(options: HttpFixtureOptions = {}): Promise<HttpFixture> {
  const config = testConfig();
  const prefix = uniqueName('http');
  const redisUrl = options.redisUrl ?? config.redis.url;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  // A fault test stops this Redis: the client reconnects, and its errors are expected.
  redis.on('error', () => undefined);
  const logs: string[] = [];
  const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => (logs.push(chunk.toString()), done()) });
  const logger = createLogger({ level: 'info', destination });
  const requestQueues = openRequestQueues({ client: redis, url: redisUrl }, { prefix, timeoutMs, logger, reconcileDebounceMs: 0 });
  const queues = requestQueues.queues;
  const ledger = await createLedgerFixture({ url: options.ledgerUrl });
  const metrics = createMetrics({ defaultMetrics: false });
  const credentials = testCredentials();
  const redisDependency: Dependency = { name: 'redis', url: redisUrl, check: async () => void (await redis.ping()), close: async () => undefined };
  const serverOptions: HttpServerOptions = {
    host: '127.0.0.1',
    port: 0,
    logger,
    dependencies: options.dependencies ?? [redisDependency, ledger.connection],
    healthTimeoutMs: timeoutMs,
    bodyLimitBytes: options.bodyLimitBytes,
    authFailures: options.authFailures ?? GENEROUS_AUTH_FAILURES,
    operator: { credentials, queues, ledgerPool: ledger.connection.pool, metrics, platforms: options.platforms ?? config.platforms, ...(options.adapters ? { adapters: options.adapters } : {}) },
  };
  const server = await startHttpServer(serverOptions);
  return {
    server,
    options: serverOptions,
    url: server.address,
    credentials,
    queues,
    prefix,
    redis,
    ledger,
    metrics,
    logs,
    request: (method, path, requestOptions = {}) => send(server.address, credentials, method, path, requestOptions),
    dispose: () =>
      cleanUp(
        () => server.close(),
        ...Object.values(queues.byName).map((queue) => () => queue.obliterate({ force: true })),
        () => requestQueues.close(),
        () => redis.quit(),
        () => ledger.dispose(),
      ),
  };
}

async function send(base: string, credentials: HttpCredentials, method: string, path: string, options: RequestOptions): Promise<ApiAnswer> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? credentials.apiToken : options.token;
  if (options.basic) headers.authorization = `Basic ${Buffer.from(`${options.basic.user}:${options.basic.password}`).toString('base64')}`;
  else if (token !== null) headers.authorization = `Bearer ${token}`;
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${base}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed };
}
