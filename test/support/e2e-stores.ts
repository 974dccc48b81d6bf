import { Redis } from 'ioredis';
import { MongoClient, ObjectId } from 'mongodb';
import type { ChangeStream, Db } from 'mongodb';
import pg from 'pg';
import { ensureBookmasterDevSchema } from '../../src/platforms/bookmaster/dev-schema.ts';
import type { IdsyncProcess } from './idsync-process.ts';
import { uniqueName } from './names.ts';
import { createTemporaryDatabase, testConfig } from './services.ts';
import { waitFor } from './wait-for.ts';
import { cleanUp } from './clean-up.ts';

/*
 * The real stores an `idsync start` child process works on, each in a namespace of its own: CRM
 * and OmniStack databases with unique names, Bookmaster and ledger databases of their own, a queue
 * prefix and a replication slot prefix. `env` is what the child process needs to use them.
 */

export const WATCHED_SOURCES = ['crm.User', 'crm.Client', 'omnistack.users', 'omnistack.clients', 'bookmaster.users'] as const;

export type System = 'crm' | 'omnistack' | 'bookmaster';
const ALL_SYSTEMS: readonly System[] = ['crm', 'omnistack', 'bookmaster'];

export interface Person {
  readonly email: string;
  readonly crm: string;
  readonly omnistack: string;
  readonly bookmaster: string;
}

export interface E2eStores {
  readonly env: Record<string, string>;
  readonly crm: Db;
  readonly omnistack: Db;
  readonly bookmaster: pg.Pool;
  readonly ledger: pg.Pool;
  /** Writes each person's records in `systems` (default: all three), each system in one bulk statement. */
  writePeople(people: readonly Person[], systems?: readonly System[]): Promise<void>;
  /** How many of `people` have their records in `systems` (default: all three) linked to one another. */
  countLinked(people: readonly Person[], systems?: readonly System[]): Promise<number>;
  /** Counts every write to the three stores from now on (change streams and Bookmaster row versions). */
  countWrites(): Promise<WriteCounter>;
  /** Waits until no process holds the replication slot, so that its database can be dropped. */
  dispose(): Promise<void>;
}

export interface WriteCounter {
  writes(): Promise<number>;
  close(): Promise<void>;
}

let sequence = 0;

export function newPerson(): Person {
  sequence += 1;
  const suffix = `${Date.now().toString(36)}${sequence}${Math.random().toString(36).slice(2, 8)}`;
  return { email: `person-${suffix}@example.com`, crm: new ObjectId().toHexString(), omnistack: new ObjectId().toHexString(), bookmaster: `bm_${suffix}` };
}

/** The servers the stores are made on. Each defaults to the shared local one. */
export interface E2eServers {
  /** A database URL of the Postgres server that holds the Bookmaster and ledger databases. */
  readonly postgresUrl?: string;
  /** The MongoDB URL of a database, for the CRM and OmniStack databases. */
  readonly mongoUrl?: (database: string) => string;
  /** The Redis the queues use (REDIS_URL of the child process). */
  readonly redisUrl?: string;
}

const sharedMongoUrl = (database: string) => `mongodb://127.0.0.1:27017/${database}?directConnection=true`;

export async function createE2eStores(overrides: Record<string, string> = {}, servers: E2eServers = {}): Promise<E2eStores> {
  const config = testConfig();
  const redisUrl = servers.redisUrl ?? config.redis.url;
  const mongoUrl = servers.mongoUrl ?? sharedMongoUrl;
  const ledgerDb = await createTemporaryDatabase('ledger', servers.postgresUrl);
  const bookmasterDb = await createTemporaryDatabase('bookmaster', servers.postgresUrl);
  const bookmaster = new pg.Pool({ connectionString: bookmasterDb.url, max: 4 });
  await ensureBookmasterDevSchema(bookmaster);
  const ledger = new pg.Pool({ connectionString: ledgerDb.url, max: 2 });
  // dispose() drops the databases with force: an idle client of these pools may then lose its
  // server (57P01), which a pool reports as an 'error' event; unheard, it fails the whole run.
  for (const pool of [bookmaster, ledger]) pool.on('error', () => undefined);
  const mongo = new MongoClient(mongoUrl('admin'));
  await mongo.connect();
  const names = { crm: uniqueName('trackmaster'), omnistack: uniqueName('omnistack') };
  const slotPrefix = uniqueName('slot');
  const env = {
    ...(servers.redisUrl === undefined ? {} : { REDIS_URL: servers.redisUrl }),
    LOG_LEVEL: 'info',
    HTTP_PORT: '0',
    LEDGER_DB_URL: ledgerDb.url,
    BOOKMASTER_DB_URL: bookmasterDb.url,
    CRM_MONGO_URL: mongoUrl(names.crm),
    OMNISTACK_MONGO_URL: mongoUrl(names.omnistack),
    QUEUE_PREFIX: uniqueName('e2e'),
    REPLICATION_SLOT_PREFIX: slotPrefix,
    // The three systems with a store of this test's own; a test that syncs Supabase says so.
    PLATFORMS: 'crm,omnistack,bookmaster',
    ...overrides,
  };
  const crm = mongo.db(names.crm);
  const omnistack = mongo.db(names.omnistack);
  return {
    env,
    crm,
    omnistack,
    bookmaster,
    ledger,
    writePeople: (people, systems = ALL_SYSTEMS) => writePeople({ crm, omnistack, bookmaster }, people, systems),
    countLinked: (people, systems = ALL_SYSTEMS) => countLinked({ crm, omnistack, bookmaster }, people, systems),
    countWrites: () => countWrites(crm, omnistack, bookmaster),
    dispose: () =>
      cleanUp(
        () =>
          waitFor('the replication slot to be released', async () => {
            const { rows } = await bookmaster.query<{ active: boolean }>('select active from pg_replication_slots where slot_name like $1', [`${slotPrefix}%`]);
            return rows.every((row) => !row.active);
          }),
        () => removeKeys(redisUrl, env.QUEUE_PREFIX),
        () => crm.dropDatabase(),
        () => omnistack.dropDatabase(),
        () => mongo.close(),
        () => bookmaster.end(),
        () => ledger.end(),
        () => bookmasterDb.drop(),
        () => ledgerDb.drop(),
      ),
  };
}

/** Keys per DEL: one argument each, and a spread of some 120,000 or more overflows the call stack. */
const DELETE_CHUNK = 10_000;

/** Removes the queues, leases and checkpoints under `prefix` (a backfill of 100,000 leaves some 200,000). */
async function removeKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    const keys = await redis.keys(`${prefix}:*`);
    for (let start = 0; start < keys.length; start += DELETE_CHUNK) await redis.del(...keys.slice(start, start + DELETE_CHUNK));
  } finally {
    redis.disconnect();
  }
}

interface Stores {
  readonly crm: Db;
  readonly omnistack: Db;
  readonly bookmaster: pg.Pool;
}

async function writePeople(stores: Stores, people: readonly Person[], systems: readonly System[]): Promise<void> {
  if (people.length === 0) return;
  if (systems.includes('crm')) {
    await stores.crm.collection('User').insertMany(people.map((person) => ({ _id: new ObjectId(person.crm), email: person.email, role: 'SALES' })));
  }
  if (systems.includes('omnistack')) {
    await stores.omnistack.collection('users').insertMany(
      people.map((person) => ({ _id: new ObjectId(person.omnistack), email: person.email, name: 'Ada', surname: 'Lovelace', external_ids: [] })),
    );
  }
  if (systems.includes('bookmaster')) {
    await stores.bookmaster.query('insert into users (id, email) select * from unnest($1::text[], $2::text[])', [
      people.map((person) => person.bookmaster),
      people.map((person) => person.email),
    ]);
  }
}

/** Reads every record's links once, then checks each person against them. */
async function countLinked(stores: Stores, people: readonly Person[], systems: readonly System[]): Promise<number> {
  const crmDocs = await stores.crm.collection('User').find({}, { projection: { externalIds: 1 } }).toArray();
  const omniDocs = await stores.omnistack.collection('users').find({}, { projection: { external_ids: 1 } }).toArray();
  const { rows } = await stores.bookmaster.query<{ id: string; external_ids: Record<string, unknown> }>('select id, external_ids from users');
  const crmLinks = new Map(crmDocs.map((doc) => [String(doc._id), (doc.externalIds ?? {}) as Record<string, unknown>]));
  const omniLinks = new Map(omniDocs.map((doc) => [String(doc._id), (doc.external_ids ?? []) as unknown[]]));
  const bmLinks = new Map(rows.map((row) => [row.id, row.external_ids]));
  const holds = (person: Person, system: System, other: System): boolean => {
    if (system === 'crm') return crmLinks.get(person.crm)?.[other] === person[other];
    if (system === 'bookmaster') return bmLinks.get(person.bookmaster)?.[other] === person[other];
    const entry = other === 'crm' ? `crm_${person.crm}` : person.bookmaster;
    return omniLinks.get(person.omnistack)?.includes(entry) === true;
  };
  return people.filter((person) => systems.every((system) => systems.every((other) => other === system || holds(person, system, other)))).length;
}

async function countWrites(crm: Db, omnistack: Db, bookmaster: pg.Pool): Promise<WriteCounter> {
  let events = 0;
  const streams: ChangeStream[] = [crm.collection('User').watch(), omnistack.collection('users').watch()];
  // The first poll opens each cursor: writes from here on are seen.
  for (const stream of streams) {
    if ((await stream.tryNext()) !== null) events += 1;
  }
  const versions = async () => (await bookmaster.query<{ v: string }>("select coalesce(string_agg(id || ':' || xmin::text, ',' order by id), '') as v from users")).rows[0]?.v;
  const before = await versions();
  return {
    writes: async () => {
      for (const stream of streams) {
        while ((await stream.tryNext()) !== null) events += 1;
      }
      return events + ((await versions()) === before ? 0 : 1);
    },
    close: async () => {
      for (const stream of streams) await stream.close();
    },
  };
}

/** Waits until `process` has logged 'watching' for every one of `sources` (default: the three systems' WATCHED_SOURCES). */
export async function waitForWatching(process: IdsyncProcess, timeoutMs = 20_000, sources: readonly string[] = WATCHED_SOURCES): Promise<void> {
  await waitFor(
    'every source to be watched',
    () => sources.every((source) => process.logs.some((entry) => entry.msg === 'watching' && entry.source === source)),
    { timeoutMs },
  );
}

/** The log lines of `process` with this message, as many as there are now. */
export function logsOf(process: IdsyncProcess, msg: string): Array<Record<string, unknown>> {
  return process.logs.filter((entry) => entry.msg === msg);
}

/**
 * Counts the writes to the stores `stores` counts (the three systems', or four: e2e-supabase.ts)
 * over `windowMs` (stopping early at the first one). The window is the assertion itself, not a
 * wait for an event: a settled pipeline must write nothing at all in it.
 */
export async function observeQuiet(stores: Pick<E2eStores, 'countWrites'>, windowMs: number): Promise<{ writes: number }> {
  const counter = await stores.countWrites();
  const endsAt = Date.now() + windowMs;
  let writes = 0;
  try {
    await waitFor(
      'the quiet window to pass',
      async () => {
        writes = await counter.writes();
        return writes > 0 || Date.now() >= endsAt;
      },
      { timeoutMs: windowMs + 5_000, intervalMs: 100 },
    );
  } finally {
    await counter.close();
  }
  return { writes };
}
