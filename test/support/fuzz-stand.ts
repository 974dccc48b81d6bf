import type { Pool } from 'pg';
import { createBookmasterAdapter } from '../../src/platforms/bookmaster/bookmaster-adapter.ts';
import { createCrmAdapter } from '../../src/platforms/crm/crm-adapter.ts';
import { createOmnistackAdapter } from '../../src/platforms/omnistack/omnistack-adapter.ts';
import { startGuardedProxy } from './guarded-proxy.ts';
import type { GuardedProxy } from './guarded-proxy.ts';
import { createHttpFixture } from './http-fixture.ts';
import type { HttpFixture } from './http-fixture.ts';
import { openTestBookmaster, openTestMongo } from './platform-fixtures.ts';
import type { TestMongo } from './platform-fixtures.ts';
import { startPrivateRedis } from './private-redis.ts';
import { cleanUp } from './clean-up.ts';

/*
 * The API as a fuzzer meets it: the HTTP server with every store it can touch in a namespace of
 * its own (a Redis of its own, a ledger database, CRM and OmniStack databases and a Bookmaster
 * database read through the real adapters), behind a guarded proxy that pins any store write on
 * the request that made it.
 */

export interface FuzzStand {
  readonly http: HttpFixture;
  /** Where the fuzzer sends its requests. */
  readonly proxy: GuardedProxy;
  dispose(): Promise<void>;
}

/** MongoDB commands that only read (or only talk about the connection); any other one counts as a write. */
const MONGO_READS = new Set(['find', 'getMore', 'aggregate', 'count', 'distinct', 'listCollections', 'listIndexes', 'hello', 'isMaster', 'ismaster', 'ping', 'buildInfo', 'endSessions', 'killCursors']);

export async function createFuzzStand(): Promise<FuzzStand> {
  const redis = await startPrivateRedis();
  const crm = await openTestMongo('fuzz_crm');
  const omnistack = await openTestMongo('fuzz_omni');
  const bookmaster = await openTestBookmaster();
  const adapters = { crm: createCrmAdapter(crm.db), omnistack: createOmnistackAdapter(omnistack.db), bookmaster: createBookmasterAdapter(bookmaster.pool) };
  // Wrong credentials are part of the run: the failed-login limit must not turn the rest into 429s.
  const http = await createHttpFixture({ redisUrl: redis.url, adapters, authFailures: { limit: 10_000 } });
  const digests = [await tablesDigest(http.ledger.connection.pool), await tablesDigest(bookmaster.pool)];
  const fingerprint = async () =>
    JSON.stringify(
      await Promise.all([
        // Redis counts every write command since its last save, and this one never saves.
        http.redis.info('persistence').then((info) => /rdb_changes_since_last_save:(\d+)/.exec(info)?.[1]),
        ...digests.map((digest) => digest()),
        [crm, omnistack].map(mongoWrites),
      ]),
    );
  const proxy = await startGuardedProxy(http.url, fingerprint);
  return {
    http,
    proxy,
    dispose: () =>
      cleanUp(
        () => proxy.close(),
        () => http.dispose(),
        () => crm.drop(),
        () => omnistack.drop(),
        () => bookmaster.drop(),
        () => redis.dispose(),
      ),
  };
}

/**
 * A function answering one md5 per table of the public schema, over its rows in a fixed order. The
 * tables are listed once: requests write rows, never tables (a table created later goes unseen).
 */
async function tablesDigest(pool: Pool): Promise<() => Promise<string>> {
  const { rows: tables } = await pool.query<{ name: string }>("select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1");
  const parts = tables.map(({ name }) => `select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from "${name.replaceAll('"', '""')}" t`);
  if (parts.length === 0) return async () => '';
  const sql = parts.join(' union all ');
  return async () => (await pool.query<{ digest: string }>(sql)).rows.map((row) => row.digest).join(',');
}

function mongoWrites(mongo: TestMongo): number {
  return mongo.commands.names().filter((name) => !MONGO_READS.has(name)).length;
}
