import type { Pool, PoolClient } from 'pg';

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
 * Opens the transaction and takes the user's lock, in one round trip: a simple query of three
 * statements, so the id goes in as a literal (escaped by the driver, and a canonical uuid already).
 *
 * - One lock per user for links and profile alike. The key is a stable 64-bit hash of the user id
 *   in a namespace of idsync's own, so it cannot collide with another application's advisory
 *   locks on purpose, only by chance.
 * - Read-only: idsync never writes `auth.users` in SQL. The bound on the wait keeps a pool
 *   connection from waiting forever behind a writer whose admin call hangs (it is longer than the
 *   admin client's own timeout); running out of it is lock_not_available (55P03), which is retried.
 */
function beginAndLock(client: PoolClient, id: string): string {
  const key = `hashtextextended('idsync:supabase:' || ${client.escapeLiteral(id)}, 0)`;
  return `begin read only; set local lock_timeout = '30s'; select pg_advisory_xact_lock(${key})`;
}

/**
 * Runs `work` holding the user's lock, on a client of its own. `work` reads in a query of its own,
 * after the lock's: a statement that both took the lock and read the row would read from a
 * snapshot taken before the wait, and could miss the previous holder's write.
 */
export async function withUserLock<T>(pool: Pool, id: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(beginAndLock(client, id));
    const result = await work(client);
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
