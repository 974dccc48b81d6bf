import type { Pool } from 'pg';
import { maskUrl } from '../config/mask-url.ts';
import { IdsyncError, ServiceUnreachableError } from '../errors.ts';
import { isRetryablePostgresError } from '../platforms/postgres-errors.ts';

/**
 * The ledger as the API reads it. A query the ledger does not answer (stopped, restarting, out of
 * connections) fails as a ServiceUnreachableError naming the ledger, answered 503 as a stopped Redis
 * is, not as an unexpected 500. The pool is wrapped rather than whole handlers, so that a status
 * read that also asks the live systems never blames the ledger for them.
 */
export function ledgerForReads(pool: Pool): Pool {
  const url = maskUrl(pool.options.connectionString ?? '');
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  const guarded = async (...args: unknown[]) => {
    try {
      return await query(...args);
    } catch (error) {
      if (error instanceof IdsyncError || !isRetryablePostgresError(error)) throw error;
      throw new ServiceUnreachableError('ledger', url, error);
    }
  };
  return new Proxy(pool, { get: (target, property, receiver) => (property === 'query' ? guarded : Reflect.get(target, property, receiver)) });
}
