import pg from 'pg';
import { loadConfig } from '../../src/config/load-config.ts';
import type { Config } from '../../src/config/load-config.ts';
import { uniqueName } from './names.ts';
import { waitFor } from './wait-for.ts';

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

/**
 * Creates a Postgres database of its own for one test; `drop` removes it (and its slots).
 * `adminUrl`: a database of the server to create it on (default: the shared server's ledger).
 */
export async function createTemporaryDatabase(prefix: string, adminUrl: string = testConfig().ledger.dbUrl): Promise<TemporaryDatabase> {
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

/**
 * Removes what a watcher with slot prefix `prefix` left in the shared database at `url` (the
 * Supabase one, where a test cannot have a database of its own): its replication slots, once no
 * process holds them, and its publications.
 */
export async function dropReplication(url: string, prefix: string): Promise<void> {
  await withClient(url, async (client) => {
    const held = async () => (await client.query('select 1 from pg_replication_slots where slot_name like $1 and active', [`${prefix}%`])).rowCount;
    await waitFor(`the ${prefix} replication slots to be released`, async () => (await held()) === 0);
    await client.query('select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name like $1 and not active', [`${prefix}%`]);
    const { rows } = await client.query<{ pubname: string }>('select pubname from pg_publication where pubname like $1', [`${prefix}%`]);
    for (const { pubname } of rows) await client.query(`drop publication if exists ${client.escapeIdentifier(pubname)}`);
  });
}
