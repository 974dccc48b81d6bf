import type { PersonRecord } from '../../src/platforms/person-record.ts';
import type { PlatformAdapter } from '../../src/platforms/platform-adapter.ts';
import type { CommandStartedEvent, Db, MongoClient } from 'mongodb';
import type { Pool } from 'pg';
import { vi } from 'vitest';
import { ensureBookmasterDevSchema } from '../../src/platforms/bookmaster/dev-schema.ts';
import { openMongo } from '../../src/platforms/mongo-connection.ts';
import type { MongoConnection } from '../../src/platforms/mongo-connection.ts';
import { openPostgres } from '../../src/platforms/postgres-pool.ts';
import type { PostgresConnection } from '../../src/platforms/postgres-pool.ts';
import { uniqueName } from './names.ts';
import { createTemporaryDatabase, testConfig } from './services.ts';
import type { TemporaryDatabase } from './services.ts';

/*
 * Namespaces of their own for adapter tests: a MongoDB database with a unique name (commands
 * observable) and a temporary Postgres database with Bookmaster's dev schema. Each `drop` removes
 * what it made.
 */

export interface TestMongo {
  readonly connection: MongoConnection;
  readonly db: Db;
  /** The names of the commands sent since the last `commands.clear()`, in order. */
  readonly commands: CommandLog;
  drop(): Promise<void>;
}

export interface CommandLog {
  names(): string[];
  clear(): void;
}

/** Opens the local MongoDB-compatible server on a database no other test uses, with command monitoring. */
export async function openTestMongo(prefix: string): Promise<TestMongo> {
  const config = testConfig();
  const connection = await openMongo(prefix, { ...config.crm, database: uniqueName(prefix) }, { monitorCommands: true });
  const commands = logCommands(connection.client);
  return {
    connection,
    db: connection.db,
    commands,
    drop: async () => {
      await connection.db.dropDatabase();
      await connection.close();
    },
  };
}

function logCommands(client: MongoClient): CommandLog {
  let names: string[] = [];
  client.on('commandStarted', (event: CommandStartedEvent) => {
    names.push(event.commandName);
  });
  return {
    names: () => [...names],
    clear: () => {
      names = [];
    },
  };
}

export interface TestBookmaster {
  readonly database: TemporaryDatabase;
  readonly connection: PostgresConnection;
  readonly pool: Pool;
  /** How many times `pool.query` has been called since the last `resetQueries()`. */
  queries(): number;
  resetQueries(): void;
  drop(): Promise<void>;
}

/** A temporary Postgres database with `ensureBookmasterDevSchema` applied; pool.query calls are counted. */
export async function openTestBookmaster(): Promise<TestBookmaster> {
  const database = await createTemporaryDatabase('bookmaster');
  const connection = await openPostgres('bookmaster', database.url);
  await ensureBookmasterDevSchema(connection.pool);
  // A spy that calls through: every round trip the adapter makes goes through pool.query.
  const spy = vi.spyOn(connection.pool, 'query');
  return {
    database,
    connection,
    pool: connection.pool,
    queries: () => spy.mock.calls.length,
    resetQueries: () => spy.mockClear(),
    drop: async () => {
      spy.mockRestore();
      await connection.close();
      await database.drop();
    },
  };
}

/** The record with `id`, which the test knows exists: a missing one fails the test right there. */
export async function readExisting(adapter: PlatformAdapter, id: string): Promise<PersonRecord> {
  const record = await adapter.get(id);
  if (record === null) throw new Error(`no ${adapter.platform} record ${id}`);
  return record;
}

const DATA_COMMANDS = new Set(['find', 'getMore', 'update', 'findAndModify', 'aggregate', 'insert', 'delete']);

/** The data commands (reads and writes, not handshakes or pings) a test MongoDB client has sent. */
export function dataCommands(mongo: TestMongo): string[] {
  return mongo.commands.names().filter((name) => DATA_COMMANDS.has(name));
}
