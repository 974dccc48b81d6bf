import type { CommandStartedEvent } from 'mongodb';
import type pg from 'pg';
import type { Config } from '../src/config/load-config.ts';
import { createBookmasterAdapter } from '../src/platforms/bookmaster/bookmaster-adapter.ts';
import { createCrmAdapter } from '../src/platforms/crm/crm-adapter.ts';
import { openMongo } from '../src/platforms/mongo-connection.ts';
import type { MongoConnection } from '../src/platforms/mongo-connection.ts';
import { createOmnistackAdapter } from '../src/platforms/omnistack/omnistack-adapter.ts';
import { openPostgres } from '../src/platforms/postgres-pool.ts';
import type { PostgresConnection } from '../src/platforms/postgres-pool.ts';
import type { Adapters } from '../src/platforms/platform-adapter.ts';

/*
 * The three stores of a namespace opened with their round trips counted, as the tests count them:
 * MongoDB commands through the driver's command monitoring (handshakes and pings left out), and
 * Postgres queries sent through each pool's `query`.
 */

const HANDSHAKES = new Set(['hello', 'isMaster', 'ismaster', 'ping', 'endSessions']);

export interface RoundTrips {
  mongo: number;
  bookmaster: number;
  ledger: number;
}

export interface CountedStores {
  readonly adapters: Adapters;
  readonly ledger: PostgresConnection;
  roundTrips(): RoundTrips;
  reset(): void;
  close(): Promise<void>;
}

function countQueries(pool: pg.Pool, counts: RoundTrips, key: 'bookmaster' | 'ledger'): void {
  const send = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as { query: unknown }).query = (...args: unknown[]) => {
    counts[key] += 1;
    return send(...args);
  };
}

export async function openCountedStores(config: Config): Promise<CountedStores> {
  const counts: RoundTrips = { mongo: 0, bookmaster: 0, ledger: 0 };
  const crm: MongoConnection = await openMongo('crm', config.crm, { monitorCommands: true });
  const omnistack: MongoConnection = await openMongo('omnistack', config.omnistack, { monitorCommands: true });
  const count = (event: CommandStartedEvent) => {
    if (!HANDSHAKES.has(event.commandName)) counts.mongo += 1;
  };
  crm.client.on('commandStarted', count);
  omnistack.client.on('commandStarted', count);
  const bookmaster = await openPostgres('bookmaster', config.bookmaster.dbUrl);
  const ledger = await openPostgres('ledger', config.ledger.dbUrl);
  countQueries(bookmaster.pool, counts, 'bookmaster');
  countQueries(ledger.pool, counts, 'ledger');
  return {
    adapters: { crm: createCrmAdapter(crm.db), omnistack: createOmnistackAdapter(omnistack.db), bookmaster: createBookmasterAdapter(bookmaster.pool) },
    ledger,
    roundTrips: () => ({ ...counts }),
    reset: () => Object.assign(counts, { mongo: 0, bookmaster: 0, ledger: 0 }),
    close: async () => {
      await crm.close();
      await omnistack.close();
      await bookmaster.close();
      await ledger.close();
    },
  };
}
