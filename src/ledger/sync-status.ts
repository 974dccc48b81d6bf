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

export interface SyncStatusWriteOptions {
  /** Rows per statement (one round trip each). Default: 1000. */
  chunkSize?: number;
}

export interface SyncStatusStore {
  /** Upserts every row, `chunkSize` rows per statement. */
  upsert(rows: readonly SyncStatus[], options?: SyncStatusWriteOptions): Promise<void>;
  /** Removes the rows no audit has written since `checkedBefore` (people whose CRM record is gone). */
  removeUnchecked(checkedBefore: Date): Promise<number>;
  get(userId: string): Promise<SyncStatus | null>;
}

const DEFAULT_CHUNK_SIZE = 1000;

const UPSERT = `
insert into sync_status (user_id, platforms_in_sync, issues, last_check, audit_run_id)
select user_id, array(select jsonb_array_elements_text(platforms)), issues, last_check, audit_run_id
from jsonb_to_recordset($1::jsonb) as row(user_id text, platforms jsonb, issues jsonb, last_check timestamptz, audit_run_id text)
on conflict (user_id) do update set
  platforms_in_sync = excluded.platforms_in_sync,
  issues = excluded.issues,
  last_check = excluded.last_check,
  audit_run_id = excluded.audit_run_id`;
const REMOVE_UNCHECKED = 'delete from sync_status where last_check < $1';
// Aliased to the SyncStatus's own names, so a row is a SyncStatus as it comes.
const GET = `
select user_id as "userId", platforms_in_sync as "platformsInSync", issues, last_check as "lastCheck", audit_run_id as "auditRunId"
from sync_status where user_id = $1`;

export function createSyncStatusStore(pool: Pool): SyncStatusStore {
  return {
    upsert: async (rows, options = {}) => {
      const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
      for (let start = 0; start < rows.length; start += chunkSize) {
        await pool.query(UPSERT, [JSON.stringify(rows.slice(start, start + chunkSize).map(toJson))]);
      }
    },
    removeUnchecked: async (checkedBefore) => (await pool.query(REMOVE_UNCHECKED, [checkedBefore])).rowCount ?? 0,
    get: async (userId) => {
      const { rows } = await pool.query<SyncStatus>(GET, [userId]);
      return rows[0] ?? null;
    },
  };
}

function toJson(row: SyncStatus) {
  return {
    user_id: row.userId,
    platforms: row.platformsInSync,
    issues: row.issues,
    last_check: row.lastCheck.toISOString(),
    audit_run_id: row.auditRunId,
  };
}

