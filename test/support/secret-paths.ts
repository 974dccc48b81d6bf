import { randomBytes } from 'node:crypto';
import type { PlacedText } from './leak-check.ts';
import { uniqueName } from './names.ts';
import { testConfig, withClient, withDatabase } from './services.ts';

/*
 * For the test that sends every secret through every path (test/e2e/secrets.test.ts): secrets no
 * other text can contain by chance, a Postgres login of the test's own whose password is one of
 * them, and a recorder of everything the HTTP server answers.
 */

/** A value that appears nowhere unless it was copied from here. */
export function secretValue(kind: string): string {
  return `${kind}-${randomBytes(16).toString('hex')}`;
}

export interface LoginRole {
  readonly name: string;
  readonly password: string;
  /** `url` with this role's user name and password. */
  urlFor(url: string): string;
  /** Ends its sessions: every pool of idsync's loses its connections and opens new ones (with the password). */
  terminateSessions(): Promise<number>;
  /** Ends its sessions and removes the role. Safe to call twice. */
  drop(): Promise<void>;
}

/**
 * A Postgres superuser with a password of its own, so that the password in idsync's database URLs
 * is a secret to look for (the local `postgres` password is a word found everywhere). Superuser:
 * idsync publishes Supabase's `auth.users`, which only its owner or a superuser may.
 */
export async function createLoginRole(): Promise<LoginRole> {
  const adminUrl = testConfig().ledger.dbUrl;
  const name = uniqueName('idsync_secret');
  const password = secretValue('pg');
  // CREATE ROLE takes no parameters; both values are letters, digits, _ and - only.
  await withClient(adminUrl, (client) => client.query(`create role ${name} login superuser replication password '${password}'`));
  const terminateSessions = () =>
    withClient(adminUrl, async (client) => (await client.query('select pg_terminate_backend(pid) from pg_stat_activity where usename = $1', [name])).rowCount ?? 0);
  return {
    name,
    password,
    urlFor: (url) => {
      const parsed = new URL(url);
      parsed.username = name;
      parsed.password = password;
      return parsed.toString();
    },
    terminateSessions,
    drop: async () => {
      await terminateSessions();
      // What it made in the shared Supabase database (the replication test data is dropped with its slots).
      await withClient(withDatabase(adminUrl, 'supabase'), (client) => client.query(`drop owned by ${name}`).catch(() => undefined));
      await withClient(adminUrl, (client) => client.query(`drop role if exists ${name}`));
    },
  };
}

export interface HttpRecorder {
  /** Everything answered so far: each status line, headers and body, placed by request. */
  readonly texts: PlacedText[];
  /** Sends a request and records the answer; answers its status and body. */
  send(method: string, path: string, options?: { headers?: Record<string, string>; body?: unknown }): Promise<{ status: number; body: string }>;
}

export function httpRecorder(base: string): HttpRecorder {
  const texts: PlacedText[] = [];
  return {
    texts,
    send: async (method, path, options = {}) => {
      const json = options.body === undefined ? undefined : JSON.stringify(options.body);
      const headers = { ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers };
      const response = await fetch(`${base}${path}`, { method, headers, body: json });
      const body = await response.text();
      const head = [...response.headers.entries()].map(([header, value]) => `${header}: ${value}`).join('\n');
      texts.push({ where: `${method} ${path} -> ${response.status}`, text: `${response.status}\n${head}\n\n${body}` });
      return { status: response.status, body };
    },
  };
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
