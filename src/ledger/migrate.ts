import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Pool } from 'pg';
import type { Logger } from '../logging/logger.ts';

const MIGRATIONS_DIR = path.join(import.meta.dirname, 'migrations');
const MIGRATION_FILE = /^(\d{3})_([a-z0-9_-]+)\.sql$/;
// Any fixed number shared by every idsync process: it serialises concurrent starts so that two
// processes never apply the same migration at once.
const MIGRATION_LOCK_KEY = 7_341_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => MIGRATION_FILE.test(file)).sort();
  return Promise.all(
    files.map(async (file) => {
      const [, version = '', name = ''] = MIGRATION_FILE.exec(file) ?? [];
      return { version: Number(version), name, sql: await readFile(path.join(dir, file), 'utf8') };
    }),
  );
}

/**
 * Applies the migrations that the ledger has not seen yet, each in its own transaction together
 * with its row in schema_migrations, so a crash never leaves a half-applied version recorded.
 * Returns the versions applied by this call.
 */
export async function migrateLedger(pool: Pool, logger: Logger, migrations?: Migration[]): Promise<number[]> {
  const pending = migrations ?? (await readMigrations());
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(
      'create table if not exists schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())',
    );
    const { rows } = await client.query<{ version: number }>('select version from schema_migrations');
    const done = new Set(rows.map((row) => row.version));
    const applied: number[] = [];
    for (const migration of pending.filter((candidate) => !done.has(candidate.version))) {
      await client.query('begin');
      try {
        await client.query(migration.sql);
        await client.query('insert into schema_migrations (version, name) values ($1, $2)', [migration.version, migration.name]);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw error;
      }
      logger.info({ version: migration.version, migration: migration.name }, 'ledger migration applied');
      applied.push(migration.version);
    }
    return applied;
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).finally(() => client.release());
  }
}
