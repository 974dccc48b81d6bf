import type { Pool } from 'pg';
import type { Platform } from '../ids/index.ts';

/** One person's sync status: keyed by their CRM user id. Ids and reasons only, never emails. */
export interface SyncStatus {
  readonly userId: string;
  readonly platformsInSync: readonly Platform[];
  readonly issues: readonly Record<string, unknown>[];
  readonly lastCheck: Date;
  readonly auditRunId: string | null;
}

/** What an audit found of one person; the rest of their SyncStatus is the audit's own (SyncCheck). */
export type PersonSyncStatus = Pick<SyncStatus, 'userId' | 'platformsInSync' | 'issues'>;

/** The audit that writes a batch of statuses, and when it checked. */
export type SyncCheck = Pick<SyncStatus, 'lastCheck' | 'auditRunId'>;

export interface SyncStatusWriteOptions {
  /** Rows per statement (one round trip each). Default: 1000. */
  chunkSize?: number;
}

export interface SyncStatusStore {
  /**
   * Upserts every row as checked by `check`, `chunkSize` rows per statement. A user whose row this
   * run (`check.auditRunId`) wrote already keeps it: of two statuses of one user in one run, the
   * first. A user may appear once per statement.
   */
  upsert(check: SyncCheck, rows: readonly PersonSyncStatus[], options?: SyncStatusWriteOptions): Promise<void>;
  /** Removes the rows no audit has written since `checkedBefore` (people whose CRM record is gone). */
  removeUnchecked(checkedBefore: Date): Promise<number>;
  get(userId: string): Promise<SyncStatus | null>;
}

const DEFAULT_CHUNK_SIZE = 1000;

/**
 * A batch as one array per column, the check time and run once: a million rows sent as JSON cost
 * Postgres 9.6 s to insert and 12.7 s to update, as arrays 6.8 s and 9.8 s (bench/RESULTS.md).
 * Platforms are names without commas, so each row's list travels as one string.
 */
const UPSERT = `
insert into sync_status (user_id, platforms_in_sync, issues, last_check, audit_run_id)
select row.user_id, string_to_array(row.platforms, ','), row.issues::jsonb, $4, $5
from unnest($1::text[], $2::text[], $3::text[]) as row(user_id, platforms, issues)
on conflict (user_id) do update set
  platforms_in_sync = excluded.platforms_in_sync,
  issues = excluded.issues,
  last_check = excluded.last_check,
  audit_run_id = excluded.audit_run_id
where sync_status.audit_run_id is distinct from excluded.audit_run_id`;
const REMOVE_UNCHECKED = 'delete from sync_status where last_check < $1';
// Aliased to the SyncStatus's own names, so a row is a SyncStatus as it comes.
const GET = `
select user_id as "userId", platforms_in_sync as "platformsInSync", issues, last_check as "lastCheck", audit_run_id as "auditRunId"
from sync_status where user_id = $1`;

export function createSyncStatusStore(pool: Pool): SyncStatusStore {
  return {
    upsert: async (check, rows, options = {}) => {
      const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
      for (let start = 0; start < rows.length; start += chunkSize) {
        const chunk = rows.slice(start, start + chunkSize);
        const columns = [chunk.map((row) => row.userId), chunk.map((row) => row.platformsInSync.join(',')), chunk.map((row) => JSON.stringify(row.issues))];
        await pool.query(UPSERT, [...columns, check.lastCheck, check.auditRunId]);
      }
    },
    removeUnchecked: async (checkedBefore) => (await pool.query(REMOVE_UNCHECKED, [checkedBefore])).rowCount ?? 0,
    get: async (userId) => {
      const { rows } = await pool.query<SyncStatus>(GET, [userId]);
      return rows[0] ?? null;
    },
  };
}
