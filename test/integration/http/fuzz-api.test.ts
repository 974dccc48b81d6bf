import { randomBytes, randomInt } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFuzzStand } from '../../support/fuzz-stand.ts';
import type { FuzzStand } from '../../support/fuzz-stand.ts';
import type { ProxiedExchange } from '../../support/guarded-proxy.ts';
import { runSchemathesis, SCHEMATHESIS_BIN, schemathesisInstalled } from '../../support/schemathesis.ts';
import type { SchemathesisResult, SchemathesisRun } from '../../support/schemathesis.ts';

/*
 * schemathesis against GET /openapi.json of a running API, covering every route, with the token,
 * without credentials and with a wrong token: no 5xx, every answer as documented, and no store
 * written by a request answered 4xx. A short run here (FUZZ_EXAMPLES cases per operation and phase,
 * default 10); `npm run fuzz` runs a long one. FUZZ_SEED repeats a run; the seed is in every failure.
 */

const EXAMPLES = Number(process.env.FUZZ_EXAMPLES) || 10;
/**
 * Without the token every operation is refused alike, so those runs are random cases only (the
 * boundary cases of the coverage phase reach the handlers only with the token).
 */
const REFUSED_EXAMPLES = Math.max(5, Math.ceil(EXAMPLES / 4));
const SEED = Number(process.env.FUZZ_SEED) || randomInt(1, 2 ** 31);
// Generous: a run shares the machine with the rest of the suite, and schemathesis is CPU-bound.
const RUN_TIMEOUT_MS = 120_000 + EXAMPLES * 6_000;
const PUBLIC_PATHS = new Set(['/healthz', '/readyz']);

interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
}

/** Which documented operation a request was for: `GET /api/status/{crmUserId}`, or undefined. */
function operationOf(document: OpenApiDocument, exchange: ProxiedExchange): string | undefined {
  const pathname = exchange.url.split('?')[0] ?? '';
  for (const [template, methods] of Object.entries(document.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (pattern.test(pathname) && exchange.method.toLowerCase() in methods) return `${exchange.method} ${template}`;
  }
  return undefined;
}

function operations(document: OpenApiDocument): string[] {
  return Object.entries(document.paths).flatMap(([template, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${template}`));
}

/** The run's failures and summary, with the seed: what a failing assertion prints. */
const report = (result: SchemathesisResult) => `seed ${SEED}, FUZZ_EXAMPLES ${EXAMPLES}\n${result.output.slice(-6_000)}`;

describe('the API under schemathesis', () => {
  let stand: FuzzStand;
  let document: OpenApiDocument;
  let folder: string;
  const counts: Record<string, unknown> = { seed: SEED, examples: EXAMPLES, refusedExamples: REFUSED_EXAMPLES };

  beforeAll(async () => {
    if (!schemathesisInstalled()) throw new Error(`schemathesis is not installed at ${SCHEMATHESIS_BIN}: run \`bash scripts/services up schemathesis\``);
    stand = await createFuzzStand();
    document = (await stand.http.request('GET', '/openapi.json')).body as OpenApiDocument;
    folder = await mkdtemp(path.join(tmpdir(), 'idsync-fuzz-'));
  });

  afterAll(async () => {
    await stand?.dispose();
    if (folder) await rm(folder, { recursive: true, force: true });
    await mkdir('test-artifacts', { recursive: true });
    await writeFile(path.join('test-artifacts', 'fuzz-api.json'), `${JSON.stringify(counts, null, 2)}\n`);
  });

  /** Runs schemathesis and answers the exchanges the proxy saw during the run. */
  async function fuzz(label: string, run: Omit<SchemathesisRun, 'seed' | 'timeoutMs'>): Promise<readonly ProxiedExchange[]> {
    const first = stand.proxy.exchanges.length;
    const result = await runSchemathesis({ ...run, seed: SEED, timeoutMs: RUN_TIMEOUT_MS });
    const exchanges = stand.proxy.exchanges.slice(first);
    const byStatus: Record<number, number> = {};
    for (const { status } of exchanges) byStatus[status] = (byStatus[status] ?? 0) + 1;
    counts[label] = { generated: result.generated, requests: exchanges.length, byStatus, exitCode: result.exitCode };
    expect(result.exitCode, report(result)).toBe(0);
    expect(stand.proxy.failures).toEqual([]);
    expect(exchanges.filter((exchange) => exchange.status >= 500), report(result)).toEqual([]);
    expect(exchanges.filter((exchange) => exchange.status >= 400 && exchange.status < 500 && exchange.wrote), report(result)).toEqual([]);
    return exchanges;
  }

  it('with the API token: every route covered, no 5xx, answers as documented, and no 4xx wrote to a store', { timeout: RUN_TIMEOUT_MS + 30_000 }, async () => {
    const exchanges = await fuzz('withToken', { schema: `${stand.proxy.url}/openapi.json`, headers: { Authorization: `Bearer ${stand.http.credentials.apiToken}` }, maxExamples: EXAMPLES });
    const answered = new Set(exchanges.filter((exchange) => exchange.status !== 401).map((exchange) => operationOf(document, exchange)));
    for (const operation of operations(document)) expect(answered, operation).toContain(operation);
    // The guard can see a write: some accepted requests enqueued.
    expect(exchanges.some((exchange) => exchange.status === 202 && exchange.wrote)).toBe(true);
  });

  it('without credentials and with a wrong token: every route but the health checks refused, no 5xx, nothing written', { timeout: 2 * RUN_TIMEOUT_MS + 30_000 }, async () => {
    const file = path.join(folder, 'openapi.json');
    await writeFile(file, JSON.stringify(document));
    const wrongToken = randomBytes(24).toString('hex');
    for (const [label, headers] of [['withoutCredentials', {}], ['withWrongToken', { Authorization: `Bearer ${wrongToken}` }]] as const) {
      const exchanges = await fuzz(label, { schema: file, baseUrl: stand.proxy.url, headers, maxExamples: REFUSED_EXAMPLES, phases: ['fuzzing'] });
      const operator = exchanges.filter((exchange) => !PUBLIC_PATHS.has(exchange.url.split('?')[0] ?? ''));
      expect(operator.length).toBeGreaterThan(0);
      expect(operator.filter((exchange) => exchange.status < 400)).toEqual([]);
      expect(operator.some((exchange) => exchange.status === 401)).toBe(true);
      expect(exchanges.filter((exchange) => exchange.wrote)).toEqual([]);
    }
  });
});
