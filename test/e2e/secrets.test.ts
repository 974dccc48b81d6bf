import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { waitForWatching } from '../support/e2e-stores.ts';
import { createSupabaseE2e, WATCHED_SOURCES_WITH_SUPABASE } from '../support/e2e-supabase.ts';
import type { FourPerson, SupabaseE2e } from '../support/e2e-supabase.ts';
import { findLeaks } from '../support/leak-check.ts';
import { startPrivateRedis } from '../support/private-redis.ts';
import type { PrivateRedis } from '../support/private-redis.ts';
import { basicAuth, createLoginRole, httpRecorder, secretValue } from '../support/secret-paths.ts';
import type { HttpRecorder, LoginRole } from '../support/secret-paths.ts';
import { describeWithAuthServer, localServiceRoleKey, userAuthClient } from '../support/supabase.ts';
import { waitFor } from '../support/wait-for.ts';

/** How long a started process may take to watch every source, and four records to be linked, on a busy machine. */
const BOUND_MS = 60_000;
const STOP_BOUND_MS = 20_000;
const QUEUES = ['reconcile', 'propagate', 'provision', 'maintenance'];
const JOB_STATES = ['latest', 'active', 'waiting', 'waiting-children', 'prioritized', 'completed', 'failed', 'delayed', 'paused'];

/**
 * Every secret idsync holds or is handed (the API token, the dashboard's user and password, the
 * Supabase service-role key, the password in each Postgres URL, the Redis password, and an app
 * user's password and tokens) sent through every path: a `idsync start` at debug level that links
 * people, loses its Postgres sessions and its Redis, and answers wrong credentials, bad requests,
 * /metrics and Bull Board. None of them may be found in its logs, the ledger, or any HTTP answer
 * (status, headers and body: /metrics' labels and values, error bodies, Bull Board's job data).
 * MongoDB URLs carry no password here: the local MongoDB test server has no authentication.
 */
describeWithAuthServer('every secret through every path', () => {
  const secrets = { apiToken: secretValue('token'), dashboardUser: secretValue('user'), dashboardPassword: secretValue('dashboard'), redisPassword: secretValue('redis') };
  let redis: PrivateRedis;
  let role: LoginRole;
  let e2e: SupabaseE2e;
  /** An app user's sign-up password and tokens. */
  const userSecrets: string[] = [];

  beforeAll(async () => {
    redis = await startPrivateRedis({ password: secrets.redisPassword });
    role = await createLoginRole();
    e2e = await createSupabaseE2e({
      REDIS_URL: redis.url,
      API_TOKEN: secrets.apiToken,
      DASHBOARD_USER: secrets.dashboardUser,
      DASHBOARD_PASSWORD: secrets.dashboardPassword,
      CONNECT_TIMEOUT_MS: '2000',
      // The wrong credentials below are many, all from 127.0.0.1: they must be answered 401, not 429.
      AUTH_FAILURE_LIMIT: '10000',
    });
    // The stores' databases, reached as the role: its password is in every Postgres URL idsync gets.
    for (const name of ['LEDGER_DB_URL', 'BOOKMASTER_DB_URL', 'SUPABASE_DB_URL']) e2e.env[name] = role.urlFor(e2e.env[name] ?? '');
  }, BOUND_MS);

  afterAll(async () => {
    // A process that does not stop on SIGTERM (the test has failed then) must not hold the slots for ever.
    for (const running of e2e?.processes ?? []) {
      const timer = setTimeout(() => running.child.kill('SIGKILL'), STOP_BOUND_MS);
      await running.stop('SIGTERM');
      clearTimeout(timer);
    }
    await e2e?.dispose();
    await role?.drop();
    await redis?.dispose();
  }, 2 * BOUND_MS);

  it('finds none in the logs at debug level, the ledger, /metrics, error bodies or Bull Board', async () => {
    const idsync = e2e.run(['start']);
    onTestFailed(() => console.error(`idsync's last words:\n${idsync.stderr().slice(-3_000)}\n${idsync.logs.slice(-20).map((line) => JSON.stringify(line)).join('\n')}`));
    const started = await idsync.waitForLog('idsync started', BOUND_MS);
    await waitForWatching(idsync, BOUND_MS, WATCHED_SOURCES_WITH_SUPABASE);
    const http = httpRecorder(String(started.http));
    const token = { authorization: `Bearer ${secrets.apiToken}` };
    await linkPeople(e2e, http, token);
    expect(await role.terminateSessions()).toBeGreaterThan(0);
    await waitFor('the ledger to answer again', async () => (await http.send('GET', '/readyz')).status === 200, { timeoutMs: BOUND_MS });
    const held = [secrets.apiToken, secrets.dashboardUser, secrets.dashboardPassword, secrets.redisPassword, localServiceRoleKey(), role.password, ...userSecrets];
    await refuseCredentials(http, held);
    await refuseBadRequests(http, token, held);
    await readEverything(http, token, basicAuth(secrets.dashboardUser, secrets.dashboardPassword));
    await loseRedis(redis, http, token);
    expect(await idsync.stop('SIGTERM')).toBe(0);

    const exact = [...held, basicAuth(secrets.dashboardUser, secrets.dashboardPassword), `${secrets.dashboardUser}:${secrets.dashboardPassword}`];
    expect(http.texts.length).toBeGreaterThan(100);
    expect(findLeaks(http.texts, { exact, anyCase: [] })).toEqual([]);
    expect(await e2e.leaks({ exact })).toEqual([]);
    // The check finds what it looks for: each secret, planted in an answer.
    expect(findLeaks(exact.map((secret, index) => ({ where: `planted ${index}`, text: `{"x":"${secret}"}` })), { exact, anyCase: [] }).length).toBeGreaterThanOrEqual(exact.length);
  }, 6 * BOUND_MS);

  /** A person who signs up and is written in the three stores, and a staff member created through the API: both linked. */
  async function linkPeople(stand: SupabaseE2e, http: HttpRecorder, token: Record<string, string>): Promise<void> {
    const base = stand.newPerson();
    const password = randomBytes(18).toString('base64url');
    const { data, error } = await userAuthClient().signUp({ email: base.email, password });
    if (error !== null || data.user === null || data.session === null) throw new Error('the sign-up made no user or session', { cause: error });
    userSecrets.push(password, data.session.access_token, data.session.refresh_token);
    await stand.stores.writePeople([base]);
    const person: FourPerson = { ...base, supabase: data.user.id };
    const staff = await http.send('POST', '/api/staff', { headers: token, body: { email: stand.supabase.email('staff'), name: 'Ana', surname: 'Lopez' } });
    expect(staff.status).toBe(202);
    await waitFor('the person to be linked in all four systems', async () => (await stand.linkedIn(person)).length === 4, { timeoutMs: BOUND_MS });
    await waitFor('the staff member to have three accounts', async () => (await stand.stores.ledger.query("select 1 from sync_writes where field = 'account'")).rowCount === 3, { timeoutMs: BOUND_MS });
  }
});

/** Every secret as a bearer token, a dashboard password, a dashboard user, and in headers nobody reads. */
async function refuseCredentials(http: HttpRecorder, held: readonly string[]): Promise<void> {
  for (const secret of held) {
    for (const [method, path] of [['GET', '/metrics'], ['POST', '/api/audit'], ['GET', '/openapi.json']]) {
      expect((await http.send(method ?? '', path ?? '', { headers: { authorization: `Bearer ${secret}x`, 'x-api-key': secret, cookie: `session=${secret}` } })).status).toBe(401);
    }
    expect((await http.send('GET', '/admin/queues', { headers: { authorization: basicAuth('operator', secret) } })).status).toBe(401);
    expect((await http.send('GET', '/admin/queues/api/queues', { headers: { authorization: basicAuth(secret, 'wrong') } })).status).toBe(401);
  }
}

/** Secrets as values of unknown fields, of a platform, an email, a kind: 400 each, naming fields, never values. */
async function refuseBadRequests(http: HttpRecorder, token: Record<string, string>, held: readonly string[]): Promise<void> {
  for (const secret of held) {
    const bodies: Array<[string, unknown]> = [
      ['/api/reconcile', { platform: 'crm', id: '65f0c0ffee0000000000beef', token: secret }],
      ['/api/reconcile', { platform: secret, id: '65f0c0ffee0000000000beef' }],
      ['/api/staff', { email: secret, name: 'Ana', surname: 'Lopez', password: secret }],
      ['/api/backfill', { platforms: [secret] }],
      ['/api/audit', { reportOnly: secret }],
    ];
    for (const [path, body] of bodies) expect((await http.send('POST', path, { headers: token, body })).status).toBe(400);
    expect((await http.send('GET', `/api/findings?kind=${encodeURIComponent(secret)}`, { headers: token })).status).toBe(400);
  }
  expect((await http.send('GET', '/api/status/65f0c0ffee0000000000beef', { headers: token })).status).toBe(404);
  expect((await http.send('POST', '/api/reconcile', { headers: token, body: { platform: 'crm', id: '65f0c0ffee0000000000beef' } })).status).toBe(404);
  expect((await http.send('GET', '/no/such/route', { headers: token })).status).toBe(404);
}

/** /metrics, the document, health, and Bull Board: its page, every queue in every state, each job's logs, Redis and workers. */
async function readEverything(http: HttpRecorder, token: Record<string, string>, basic: string): Promise<void> {
  for (const path of ['/metrics', '/openapi.json', '/healthz', '/readyz', '/api/findings']) expect((await http.send('GET', path, { headers: token })).status).toBe(200);
  const board = { authorization: basic };
  expect((await http.send('GET', '/admin/queues', { headers: board })).status).toBe(200);
  let jobs = 0;
  for (const queue of QUEUES) {
    for (const state of JOB_STATES) {
      const answer = await http.send('GET', `/admin/queues/api/queues?activeQueue=${queue}&status=${state}&page=1&jobsPerPage=50`, { headers: board });
      expect(answer.status).toBe(200);
      const listed = (JSON.parse(answer.body) as { queues: Array<{ name: string; jobs: Array<{ id: string }> }> }).queues.find((entry) => entry.name === queue)?.jobs ?? [];
      jobs += listed.length;
      for (const job of state === 'latest' ? listed.slice(0, 10) : []) await http.send('GET', `/admin/queues/api/queues/${queue}/${encodeURIComponent(job.id)}/logs`, { headers: board });
    }
    await http.send('GET', `/admin/queues/api/queues/${queue}/workers`, { headers: board });
  }
  expect(jobs).toBeGreaterThan(0);
  await http.send('GET', '/admin/queues/api/redis/stats', { headers: board });
}

/** Redis stops answering: the API answers 503 (its error names the masked URL), health says so, everything logs; then it answers again. */
async function loseRedis(redis: PrivateRedis, http: HttpRecorder, token: Record<string, string>): Promise<void> {
  // Frozen rather than stopped: this Redis keeps no data across a restart, and the queues must outlive the outage.
  redis.freeze();
  try {
    expect((await http.send('POST', '/api/audit', { headers: token, body: {} })).status).toBe(503);
    expect((await http.send('GET', '/readyz')).status).toBe(503);
    expect((await http.send('GET', '/healthz')).status).toBe(503);
  } finally {
    redis.thaw();
  }
  await waitFor('Redis to answer idsync again', async () => (await http.send('GET', '/readyz')).status === 200, { timeoutMs: BOUND_MS });
}
