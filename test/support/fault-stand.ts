import { createSupabaseE2e } from './e2e-supabase.ts';
import type { SupabaseE2e } from './e2e-supabase.ts';
import { createPrivateAuthServer } from './private-auth-server.ts';
import type { PrivateAuthServer } from './private-auth-server.ts';
import { startPrivateMongo } from './private-mongo.ts';
import type { PrivateMongo } from './private-mongo.ts';
import { startPrivatePostgres } from './private-postgres.ts';
import type { PrivatePostgres } from './private-postgres.ts';
import { startPrivateRedis } from './private-redis.ts';
import type { PrivateRedis } from './private-redis.ts';
import { withClient, withDatabase } from './services.ts';
import { cleanUp } from './clean-up.ts';

/** The private MongoDB server's oplog window: longer than any fault, so no checkpoint falls out of it. */
const OPLOG_WINDOW_SECONDS = 600;
/** Short leases, so that a watcher killed or stopped is replaced within seconds, not 15. */
export const FAULT_LEASE_MS = 2_000;

/**
 * Every server idsync uses, of one fault test's own, so that the test can stop, freeze or restart
 * any of them while the shared servers keep serving everyone else: Redis (AOF on, as the shared
 * one), the MongoDB test server (the CRM's and OmniStack's databases), Postgres with logical
 * replication (Bookmaster, the ledger and Supabase's database together, as in production where
 * one server may hold them all), and a Supabase Auth server over that Postgres.
 */
export interface FaultStand {
  readonly redis: PrivateRedis;
  readonly mongo: PrivateMongo;
  readonly postgres: PrivatePostgres;
  readonly auth: PrivateAuthServer;
  /** The four systems' stores on these servers, and `idsync` child processes over them. */
  readonly e2e: SupabaseE2e;
  /** Stops every idsync process, then every server and what it held. Safe to call twice. */
  dispose(): Promise<void>;
}

export async function createFaultStand(): Promise<FaultStand> {
  const disposers: Array<() => Promise<void>> = [];
  const dispose = () => cleanUp(...disposers.splice(0).reverse());
  try {
    const redis = await startPrivateRedis({ appendOnly: true });
    disposers.push(() => redis.dispose());
    const mongo = await startPrivateMongo(OPLOG_WINDOW_SECONDS);
    disposers.push(() => mongo.dispose());
    const postgres = await startPrivatePostgres({ logical: true });
    disposers.push(() => postgres.dispose());
    const supabaseDb = withDatabase(postgres.url, 'supabase');
    await withClient(postgres.url, (client) => client.query('create database supabase'));
    const auth = await createPrivateAuthServer({ databaseUrl: supabaseDb });
    disposers.push(() => auth.dispose());
    await auth.start();
    const e2e = await createSupabaseE2e(
      { LOG_LEVEL: 'info', SUPABASE_URL: auth.url, WATCH_LEASE_MS: String(FAULT_LEASE_MS), CHECKPOINT_INTERVAL_MS: '500' },
      { postgresUrl: postgres.url, mongoUrl: (database) => mongo.url(database), redisUrl: redis.url, auth: { authUrl: auth.url, dbUrl: supabaseDb } },
    );
    disposers.push(() => e2e.dispose());
    let disposed: Promise<void> | undefined;
    return { redis, mongo, postgres, auth, e2e, dispose: () => (disposed ??= dispose()) };
  } catch (error) {
    await dispose();
    throw error;
  }
}
