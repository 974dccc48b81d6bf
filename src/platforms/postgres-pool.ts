import pg from 'pg';
import type { Dependency } from '../config/dependency.ts';
import { maskUrl } from '../config/mask-url.ts';
import { ServiceUnreachableError } from '../errors.ts';

export interface PostgresConnection extends Dependency {
  readonly pool: pg.Pool;
}

export interface PostgresPoolOptions {
  /** How long to wait for a connection, in ms. Default: 5000. */
  connectTimeoutMs?: number;
  /** Most connections the pool opens. Default: 10 (node-postgres' own default). */
  maxConnections?: number;
}

/** Opens a pool and proves the database answers, or throws ServiceUnreachableError. */
export async function openPostgres(name: string, url: string, options: PostgresPoolOptions = {}): Promise<PostgresConnection> {
  const pool = new pg.Pool({
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    max: options.maxConnections ?? 10,
  });
  const masked = maskUrl(url);
  // A client that loses its server emits 'error': an idle one through the pool, a checked-out one
  // (holding a Supabase user's lock while the admin call is in flight) on itself, where the pool
  // listens no more. Unheard, either would crash the process; the next query reports the failure
  // to its caller instead, as a retryable connection error.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  try {
    await pool.query('select 1');
  } catch (error) {
    await pool.end();
    throw new ServiceUnreachableError(name, masked, error);
  }
  let ended: Promise<void> | undefined;
  return {
    name,
    url: masked,
    pool,
    check: async () => {
      await pool.query('select 1');
    },
    // pg's Pool.end rejects when called twice; remember the first call instead.
    close: () => (ended ??= pool.end()),
  };
}
