import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateLedger, readMigrations } from '../../src/ledger/migrate.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { openPostgres } from '../../src/platforms/postgres-pool.ts';
import type { PostgresConnection } from '../../src/platforms/postgres-pool.ts';
import { createTemporaryDatabase } from '../support/services.ts';
import type { TemporaryDatabase } from '../support/services.ts';

const logger = createLogger({ level: 'silent' });
const LEDGER_TABLES = ['audit_runs', 'findings', 'link_index', 'schema_migrations', 'sync_errors', 'sync_status', 'sync_writes'];

describe('ledger migrations', () => {
  let database: TemporaryDatabase;
  let ledger: PostgresConnection;

  beforeEach(async () => {
    database = await createTemporaryDatabase('ledger');
    ledger = await openPostgres('ledger', database.url);
  });

  afterEach(async () => {
    await ledger.close();
    await database.drop();
  });

  async function tables(): Promise<string[]> {
    const { rows } = await ledger.pool.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
    );
    return rows.map((row) => row.table_name);
  }

  it('applies every migration once, however often and however concurrently it runs', async () => {
    const versions = (await readMigrations()).map((migration) => migration.version);
    const results = await Promise.all([migrateLedger(ledger.pool, logger), migrateLedger(ledger.pool, logger)]);
    expect(results.flat().sort()).toEqual(versions);
    expect(await migrateLedger(ledger.pool, logger)).toEqual([]);
    expect(await tables()).toEqual(LEDGER_TABLES);
  });

  it('keeps no pending list on the claims index: each search would read through it', async () => {
    await migrateLedger(ledger.pool, logger);
    const { rows } = await ledger.pool.query<{ options: string[] | null }>("select reloptions as options from pg_class where relname = 'link_index_claims'");
    expect(rows).toEqual([{ options: ['fastupdate=off'] }]);
  });

  it('leaves no trace of a migration that fails', async () => {
    const broken = [{ version: 1, name: 'broken', sql: 'create table half_done (id int); select no_such_function();' }];
    await expect(migrateLedger(ledger.pool, logger, broken)).rejects.toMatchObject({ code: '42883' });
    expect(await tables()).toEqual(['schema_migrations']);
    const { rowCount } = await ledger.pool.query('select 1 from schema_migrations');
    expect(rowCount).toBe(0);
  });
});
