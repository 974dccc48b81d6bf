import pg from 'pg';
import { loadConfig } from '../../src/config/load-config.ts';
import type { Config } from '../../src/config/load-config.ts';
import { uniqueName } from './names.ts';

/**
 * The configuration tests use: the local services of `scripts/services`, plus any overrides. The
 * three systems whose servers always run here are synced unless a test names its platforms: a
 * test that syncs Supabase says so (test/support/supabase.ts).
 */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PLATFORMS: 'crm,omnistack,bookmaster', ...overrides });
}

/** Replaces the database in a postgres URL. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export interface TemporaryDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates a Postgres database of its own for one test; `drop` removes it (and its slots). */
export async function createTemporaryDatabase(prefix: string): Promise<TemporaryDatabase> {
  const adminUrl = testConfig().ledger.dbUrl;
  const name = uniqueName(prefix);
  await withClient(adminUrl, (client) => client.query(`create database ${name}`));
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop: () =>
      withClient(adminUrl, async (client) => {
        await client.query('select pg_drop_replication_slot(slot_name) from pg_replication_slots where database = $1 and not active', [name]);
        await client.query(`drop database if exists ${name} with (force)`);
      }),
  };
}

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
