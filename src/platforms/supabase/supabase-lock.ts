import type { Pool, PoolClient, QueryResult } from 'pg';

/*
 * The admin API has no conditional update, so idsync's compare-and-set on a Supabase user is a lock
 * every idsync writer of that user takes: in a read-only transaction on the Supabase database,
 * take the user's advisory lock, re-read what the write was planned on, and make the admin call
 * only if it is unchanged. The lock is held until the admin call has answered (the auth server has
 * committed by then), so the next writer's re-read sees the write. Writers outside idsync do not
 * take it: only holders of the service-role key can write `app_metadata`, and they are outside
 * the guarantee (README, design notes).
 */

/**
 * A guard: a query that returns one row when the user still reads as the write was planned on,
 * its values written in with `literal` (the lock's query is a simple one, without parameters).
 */
export type Guard = (literal: (value: string | null) => string) => string;

/**
 * Opens the transaction, takes the user's lock and runs the guard, in one round trip: a simple
 * query of four statements, so the values go in as literals, escaped by the driver.
 *
 * - One lock per user for links and profile alike. The key is a stable 64-bit hash of the user id
 *   in a namespace of idsync's own, so it cannot collide with another application's advisory
 *   locks on purpose, only by chance.
 * - Read-only: idsync never writes `auth.users` in SQL. The bound on the wait keeps a pool
 *   connection from waiting forever behind a writer whose admin call hangs (it is longer than the
 *   admin client's own timeout); running out of it is lock_not_available (55P03), which is retried.
 * - The guard is a statement of its own, after the lock's: at read committed each statement reads
 *   from a snapshot taken when it starts, so it sees the previous holder's write. A statement that
 *   both took the lock and read the row would read from a snapshot taken before the wait.
 */
function beginLockAndGuard(client: PoolClient, id: string, guard: Guard): string {
  const literal = (value: string | null) => (value === null ? 'null' : client.escapeLiteral(value));
  const key = `hashtextextended('idsync:supabase:' || ${literal(id)}, 0)`;
  return `begin read only; set local lock_timeout = '30s'; select pg_advisory_xact_lock(${key}); ${guard(literal)}`;
}

/** The rows the guard, the last of the simple query's statements, returned: node-postgres answers such a query with one result per statement. */
function guardRowCount(results: QueryResult | QueryResult[]): number {
  return (results as QueryResult[]).at(-1)?.rowCount ?? 0;
}

/**
 * Runs `work` holding the user's lock, on a client of its own, when the guard finds the user as
 * the write was planned on; answers 'stale' without running it otherwise.
 */
export async function withUserLock<T>(pool: Pool, id: string, guard: Guard, work: (client: PoolClient) => Promise<T>): Promise<T | 'stale'> {
  const client = await pool.connect();
  try {
    const unchanged = guardRowCount(await client.query(beginLockAndGuard(client, id, guard))) === 1;
    const result = unchanged ? await work(client) : 'stale';
    await client.query('commit');
    client.release();
    return result;
  } catch (error) {
    await rollbackAndRelease(client);
    throw error;
  }
}

/** A client whose rollback fails is broken: it is discarded rather than returned to the pool. */
async function rollbackAndRelease(client: PoolClient): Promise<void> {
  try {
    await client.query('rollback');
    client.release();
  } catch (rollbackError) {
    client.release(rollbackError instanceof Error ? rollbackError : true);
  }
}
