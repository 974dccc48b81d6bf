import type { CommandStartedEvent } from 'mongodb';
import pg from 'pg';
import type { Config } from '../src/config/load-config.ts';
import { createLedger } from '../src/ledger/ledger.ts';
import type { Ledger } from '../src/ledger/ledger.ts';
import { createLinkIndex } from '../src/link-index/link-index.ts';
import type { LinkIndex } from '../src/link-index/link-index.ts';
import { createBookmasterAdapter } from '../src/platforms/bookmaster/bookmaster-adapter.ts';
import { createCrmAdapter } from '../src/platforms/crm/crm-adapter.ts';
import { openMongo } from '../src/platforms/mongo-connection.ts';
import type { MongoConnection } from '../src/platforms/mongo-connection.ts';
import { createOmnistackAdapter } from '../src/platforms/omnistack/omnistack-adapter.ts';
import { openPostgres } from '../src/platforms/postgres-pool.ts';
import type { PostgresConnection } from '../src/platforms/postgres-pool.ts';
import type { Adapters } from '../src/platforms/platform-adapter.ts';
import { createSupabaseAdapter } from '../src/platforms/supabase/supabase-adapter.ts';
import { createSupabaseAdmin } from '../src/platforms/supabase/supabase-admin.ts';

/*
 * The stores of a namespace opened with their round trips counted, as the tests count them, the
 * adapters, the ledger and the link index made by the project's own constructors:
 * - MongoDB (the CRM and OmniStack): commands through the driver's command monitoring, handshakes
 *   and pings left out;
 * - Bookmaster and Supabase: every statement sent on a client of the adapter's pool (`pool.query`
 *   and a checked-out client's alike: the Supabase writes take a lock on a client of their own),
 *   and for Supabase every admin API request;
 * - the ledger: every statement any client sends to its database (the pool's, and the two
 *   connections the audit's link index rebuild opens beside it), the link index's (`links`)
 *   counted apart from the rest.
 */

const HANDSHAKES = new Set(['hello', 'isMaster', 'ismaster', 'ping', 'endSessions']);

export interface RoundTrips {
  mongo: number;
  bookmaster: number;
  supabase: number;
  ledger: number;
  /** The link index's statements on the ledger's pool. */
  index: number;
}

export type Store = keyof RoundTrips;
export const STORES: readonly Store[] = ['mongo', 'bookmaster', 'supabase', 'ledger', 'index'];

export interface CountedStores {
  /** The synced systems' adapters (Supabase's only when the configuration syncs it). */
  readonly adapters: Adapters;
  readonly ledger: PostgresConnection;
  /** The ledger, on the ledger's pool. */
  readonly ledgerStore: Ledger;
  /** The link index of people, on the ledger's pool, counted as `index`. */
  readonly links: LinkIndex;
  roundTrips(): RoundTrips;
  /**
   * Wall time spent in each store's calls (an adapter's, the link index's, the ledger's), in ms:
   * calls made in parallel each count their own time, so the stores' sum can exceed the total.
   */
  timeSpent(): RoundTrips;
  reset(): void;
  /** Safe to call twice. */
  close(): Promise<void>;
}

const zero = (): RoundTrips => ({ mongo: 0, bookmaster: 0, supabase: 0, ledger: 0, index: 0 });

type Query = (...args: unknown[]) => unknown;

/** Replaces `target.query` with one that counts each call; answers the original. */
function countCalls(target: { query: unknown }, count: () => void): Query {
  const send = (target.query as Query).bind(target);
  target.query = (...args: unknown[]) => {
    count();
    return send(...args);
  };
  return send;
}

/**
 * `target` with each of its methods timed: the time until the promise a call returns settles is
 * spent. What answers no promise (a scan's async generator) is passed through untimed.
 */
function timed<T extends object>(target: T, spend: (ms: number) => void): T {
  const entries = Object.entries(target).map(([name, value]: [string, unknown]) => {
    if (typeof value !== 'function') return [name, value];
    const method = value as (...args: unknown[]) => unknown;
    const call = (...args: unknown[]) => {
      const startedAt = performance.now();
      const result = method.apply(target, args);
      return result instanceof Promise ? result.finally(() => spend(performance.now() - startedAt)) : result;
    };
    return [name, call];
  });
  return Object.fromEntries(entries) as T;
}

/** Counts every statement any client of `pool` sends, from its checkout on. */
function countStatements(pool: pg.Pool, count: () => void): void {
  const counted = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => {
    if (counted.has(client)) return;
    counted.add(client);
    countCalls(client as unknown as { query: unknown }, count);
  });
}

/**
 * Counts every statement any pg client of this process sends to `database`, until the returned
 * function stops it: the bench opens stores once per scenario and size in one process, and each
 * wrapper left in place would sit on every later statement.
 */
function countDatabaseStatements(database: string, count: () => void): () => void {
  const send = pg.Client.prototype.query as Query;
  let counting = true;
  const counted = function (this: pg.Client, ...args: unknown[]) {
    if (counting && this.database === database) count();
    return send.apply(this, args);
  } as typeof pg.Client.prototype.query;
  pg.Client.prototype.query = counted;
  return () => {
    counting = false;
    // Another store's wrapper may sit on top of this one: then this one only stops counting.
    if (pg.Client.prototype.query === counted) pg.Client.prototype.query = send as typeof pg.Client.prototype.query;
  };
}

/** The pool as seen by one user of it, whose statements are also counted apart. */
function countedView(pool: pg.Pool, count: () => void): pg.Pool {
  const send = pool.query.bind(pool) as Query;
  return new Proxy(pool, {
    get: (target, property) => {
      if (property !== 'query') return Reflect.get(target, property, target) as unknown;
      return (...args: unknown[]) => {
        count();
        return send(...args);
      };
    },
  });
}

async function openSupabase(config: Config, count: () => void): Promise<{ connection: PostgresConnection; adapter: Adapters['supabase'] }> {
  const { authUrl, serviceRoleKey, dbUrl } = config.supabase;
  const connection = await openPostgres('supabase-db', dbUrl);
  countStatements(connection.pool, count);
  const fetchCounted: typeof fetch = (input, init) => {
    count();
    return fetch(input, init);
  };
  return { connection, adapter: createSupabaseAdapter(connection.pool, createSupabaseAdmin(authUrl, serviceRoleKey, { fetch: fetchCounted })) };
}

export async function openCountedStores(config: Config): Promise<CountedStores> {
  const counts = zero();
  const spent = zero();
  const spend = (store: Store) => (ms: number) => (spent[store] += ms);
  const crm: MongoConnection = await openMongo('crm', config.crm, { monitorCommands: true });
  const omnistack: MongoConnection = await openMongo('omnistack', config.omnistack, { monitorCommands: true });
  const count = (event: CommandStartedEvent) => {
    if (!HANDSHAKES.has(event.commandName)) counts.mongo += 1;
  };
  crm.client.on('commandStarted', count);
  omnistack.client.on('commandStarted', count);
  const bookmaster = await openPostgres('bookmaster', config.bookmaster.dbUrl);
  const ledger = await openPostgres('ledger', config.ledger.dbUrl);
  countStatements(bookmaster.pool, () => (counts.bookmaster += 1));
  // Every ledger statement, the index's included (taken out again in roundTrips), and those of the
  // connections the link index rebuild opens beside the pool.
  const stopCountingLedger = countDatabaseStatements(new URL(config.ledger.dbUrl).pathname.slice(1), () => (counts.ledger += 1));
  const supabase = config.platforms.includes('supabase') ? await openSupabase(config, () => (counts.supabase += 1)) : null;
  const adapters: Adapters = {
    crm: timed(createCrmAdapter(crm.db), spend('mongo')),
    omnistack: timed(createOmnistackAdapter(omnistack.db), spend('mongo')),
    bookmaster: timed(createBookmasterAdapter(bookmaster.pool), spend('bookmaster')),
    ...(supabase?.adapter ? { supabase: timed(supabase.adapter, spend('supabase')) } : {}),
  };
  let closed: Promise<void> | undefined;
  return {
    adapters,
    ledger,
    ledgerStore: timed(createLedger(ledger.pool), spend('ledger')),
    links: timed(createLinkIndex(countedView(ledger.pool, () => (counts.index += 1))), spend('index')),
    roundTrips: () => ({ ...counts, ledger: counts.ledger - counts.index }),
    timeSpent: () => ({ ...spent }),
    reset: () => {
      Object.assign(counts, zero());
      Object.assign(spent, zero());
    },
    close: () =>
      (closed ??= (async () => {
        stopCountingLedger();
        await crm.close();
        await omnistack.close();
        await bookmaster.close();
        await ledger.close();
        await supabase?.connection.close();
      })()),
  };
}
