import { createHmac, randomBytes } from 'node:crypto';
import path from 'node:path';
import { AuthClient } from '@supabase/supabase-js';
import type { GoTrueAdminApi, GoTrueClient } from '@supabase/supabase-js';
import pg from 'pg';
import type { Pool } from 'pg';
import { describe, vi } from 'vitest';
import { LOCAL_AUTH_KEY_FILE, readLocalAuthKey } from '../../src/config/local-defaults.ts';
import { openPostgres } from '../../src/platforms/postgres-pool.ts';
import type { PostgresConnection } from '../../src/platforms/postgres-pool.ts';
import { createSupabaseAdmin } from '../../src/platforms/supabase/supabase-admin.ts';
import type { SupabaseAdminOptions } from '../../src/platforms/supabase/supabase-admin.ts';
import { uniqueName } from './names.ts';
import { testConfig } from './services.ts';

/*
 * The local Supabase Auth server for tests: whether it is there (tests that need it are skipped,
 * with the reason in their name, when it is not), keys minted with its local secret, and a
 * namespace per test (an email domain of its own) whose users are deleted through the admin API.
 */

const { authUrl: AUTH_URL, dbUrl: SUPABASE_DB_URL } = testConfig().supabase;
export { AUTH_URL };
const HEALTH_TIMEOUT_MS = 2_000;
/** Users deleted or created at once through the admin API: enough to overlap round trips, few enough for 2 cores. */
const ADMIN_CONCURRENCY = 10;
/**
 * A bcrypt hash of a password nobody knows. Seeding users with it spares the auth server the
 * bcrypt run it otherwise spends on a random password for every user created without one.
 */
const SEED_PASSWORD_HASH = '$2b$10$abcdefghijklmnopqrstuuZQm1O2Vh1rU2b9tOQ8y5e5gkJQWc3Cy';

const serviceRoleKey = readLocalAuthKey();
// `scripts/services` writes the secret the key is signed with next to the key.
const jwtSecret = readLocalAuthKey(path.join(path.dirname(LOCAL_AUTH_KEY_FILE), 'jwt-secret'));

/** Why the auth server tests cannot run on this machine, or null when they can. */
export const authServerMissing: string | null = await findMissing();

async function findMissing(): Promise<string | null> {
  if (serviceRoleKey === null || jwtSecret === null) {
    return 'no local Supabase Auth key in .services/supabase-auth (scripts/services found no auth server binary)';
  }
  try {
    const response = await fetch(`${AUTH_URL}/health`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    return response.ok ? null : `the Supabase Auth server at ${AUTH_URL} answered /health with HTTP ${response.status}`;
  } catch {
    return `no Supabase Auth server answers at ${AUTH_URL}`;
  }
}

/** A describe that runs only with the local auth server; skipped, its name says what is missing. */
export function describeWithAuthServer(name: string, body: () => void): void {
  describe.skipIf(authServerMissing !== null)(authServerMissing === null ? name : `${name} [skipped: ${authServerMissing}]`, body);
}

function required(value: string | null): string {
  if (value === null) throw new Error(authServerMissing ?? 'the local Supabase Auth server is not set up');
  return value;
}

export const localServiceRoleKey = (): string => required(serviceRoleKey);

/** An HS256 JWT, as the auth server's keys are. */
export function signJwt(claims: Record<string, unknown>, secret: string = required(jwtSecret)): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const HOUR_SECONDS = 3600;

/** A service-role key signed with a secret that is not the server's. */
export const foreignServiceRoleKey = () => signJwt({ role: 'service_role', iat: nowSeconds() }, randomBytes(32).toString('hex'));
/** A service-role key signed with the server's secret that expired a minute ago. */
export const expiredServiceRoleKey = () => signJwt({ role: 'service_role', iat: nowSeconds() - HOUR_SECONDS, exp: nowSeconds() - 60 });
/** The public key a Supabase app's users sign up with. */
export const anonKey = () => signJwt({ role: 'anon', iat: nowSeconds(), exp: nowSeconds() + HOUR_SECONDS });

/** A client as an app's user holds it (anon key, session in memory only). */
export function userAuthClient(): GoTrueClient {
  const key = anonKey();
  return new AuthClient({
    url: AUTH_URL,
    headers: { apikey: key, Authorization: `Bearer ${key}` },
    persistSession: false,
    autoRefreshToken: false,
    detectSessionInUrl: false,
  });
}

/** Requests sent through a fetch: counting, every request still goes to the server. */
export interface CountingFetch {
  readonly fetch: typeof fetch;
  count(): number;
  reset(): void;
}

export function countingFetch(): CountingFetch {
  let count = 0;
  return {
    fetch: (input, init) => {
      count += 1;
      return fetch(input, init);
    },
    count: () => count,
    reset: () => {
      count = 0;
    },
  };
}

/** idsync's admin client for the local server, with `key` (default: the local service-role key). */
export function testAdmin(options: SupabaseAdminOptions & { key?: string; url?: string } = {}): GoTrueAdminApi {
  return createSupabaseAdmin(options.url ?? AUTH_URL, options.key ?? localServiceRoleKey(), options);
}

export interface UserSeed {
  /** Default: a unique address in the namespace. */
  email?: string;
  appMetadata?: Record<string, unknown>;
  userMetadata?: Record<string, unknown>;
}

export interface TestSupabase {
  /** The namespace: every address a test uses ends in `@<domain>`. */
  readonly domain: string;
  /** The Supabase database. */
  readonly pool: Pool;
  /** idsync's admin client: its requests are counted. */
  readonly admin: GoTrueAdminApi;
  /** An admin client for seeding and checking, not counted. */
  readonly setup: GoTrueAdminApi;
  email(local?: string): string;
  /** Creates a confirmed user through the admin API; returns its id. */
  seedUser(seed?: UserSeed): Promise<string>;
  /** The user's row as stored (a few columns): for assertions. */
  rawUser(id: string): Promise<RawUser | undefined>;
  /** SQL statements sent (by any pg client in this process) since the last reset. */
  queries(): number;
  /** Admin API requests idsync's client sent since the last reset. */
  requests(): number;
  resetCounts(): void;
  /** Deletes every user of the namespace through the admin API and closes the pool. */
  dispose(): Promise<void>;
}

export interface RawUser {
  id: string;
  email: string | null;
  raw_app_meta_data: Record<string, unknown> | null;
  raw_user_meta_data: Record<string, unknown> | null;
  email_confirmed_at: Date | null;
  email_change: string | null;
  deleted_at: Date | null;
}

/** Another auth server than the shared one. */
export interface AuthServerAt {
  /** Its base URL. */
  readonly authUrl: string;
  /** A superuser's URL of its database. */
  readonly dbUrl: string;
}

/** A namespace of one test on the local auth server (default) or on `server`. */
export async function openTestSupabase(prefix: string, server: AuthServerAt = { authUrl: AUTH_URL, dbUrl: SUPABASE_DB_URL }): Promise<TestSupabase> {
  const domain = `${uniqueName(prefix).replaceAll('_', '-')}.test`;
  const connection = await openPostgres('supabase', server.dbUrl);
  const counted = countingFetch();
  const setup = testAdmin({ url: server.authUrl });
  // Every statement, through the pool or a client of its own, is one Client#query call (Pool#query
  // makes one too). The spy is on the prototype: a test file opens one namespace at a time.
  const querySpy = vi.spyOn(pg.Client.prototype, 'query');
  const email = (local = `u-${randomBytes(4).toString('hex')}`) => `${local}@${domain}`;
  const seeded: string[] = [];
  return {
    domain,
    pool: connection.pool,
    admin: testAdmin({ fetch: counted.fetch, url: server.authUrl }),
    setup,
    email,
    seedUser: async (seed = {}) => {
      const id = await seedUser(setup, { ...seed, email: seed.email ?? email() });
      seeded.push(id);
      return id;
    },
    rawUser: async (id) => (await rawUsers(connection, 'id = $1::uuid', [id]))[0],
    queries: () => querySpy.mock.calls.length,
    requests: counted.count,
    resetCounts: () => {
      querySpy.mockClear();
      counted.reset();
    },
    dispose: async () => {
      querySpy.mockRestore();
      // Seeded users by id (a soft-deleted one's email is scrambled, a test may respell one's),
      // the users idsync made by their domain.
      const made = await rawUsers(connection, 'lower(btrim(email)) like $1', [`%@${domain}`]);
      await deleteUsers(setup, [...new Set([...seeded, ...made.map((user) => user.id)])]);
      await connection.close();
    },
  };
}

async function seedUser(admin: GoTrueAdminApi, seed: UserSeed): Promise<string> {
  const { data, error } = await admin.createUser({
    email: seed.email,
    email_confirm: true,
    password_hash: SEED_PASSWORD_HASH,
    ...(seed.appMetadata === undefined ? {} : { app_metadata: seed.appMetadata }),
    ...(seed.userMetadata === undefined ? {} : { user_metadata: seed.userMetadata }),
  });
  if (error !== null) throw error;
  return data.user.id;
}

async function rawUsers(connection: PostgresConnection, where: string, values: unknown[]): Promise<RawUser[]> {
  const { rows } = await connection.pool.query<RawUser>(
    `select id::text as id, email, raw_app_meta_data, raw_user_meta_data, email_confirmed_at, email_change, deleted_at
       from auth.users where ${where}`,
    values,
  );
  return rows;
}

async function deleteUsers(admin: GoTrueAdminApi, ids: readonly string[]): Promise<void> {
  await inParallel(ids, async (id) => {
    const { error } = await admin.deleteUser(id);
    if (error !== null && error.status !== 404) throw error;
  });
}

async function inParallel<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: ADMIN_CONCURRENCY }, worker));
  return results;
}
