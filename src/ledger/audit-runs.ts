import type { Pool } from 'pg';
import type { Trigger } from './provenance.ts';

/** The maintenance jobs that keep a row in audit_runs. */
export type RunKind = 'audit' | 'cleanup-orphans' | 'backfill';
export type RunStatus = 'running' | 'completed' | 'failed' | 'awaiting-confirmation';

export interface AuditRun {
  readonly id: string;
  readonly kind: RunKind;
  readonly trigger: Trigger;
  readonly status: RunStatus;
  /** Counts by issue kind and whatever else the run measured; ids and numbers only. */
  readonly counts: Record<string, unknown>;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
}

/** The ledger's audit_runs table: one row per audit, cleanup or backfill run. */
export interface AuditRunStore {
  /** Records a run as running; a retried job's row is reset to running. */
  start(id: string, kind: RunKind, trigger: Trigger): Promise<void>;
  finish(id: string, status: Exclude<RunStatus, 'running'>, counts: Record<string, unknown>): Promise<void>;
  get(id: string): Promise<AuditRun | null>;
  /**
   * Moves a run that awaits confirmation back to running, atomically, and returns it as it was;
   * null when the run does not exist or does not await confirmation (so two confirmations of one
   * run never both proceed).
   */
  claimForConfirmation(id: string): Promise<AuditRun | null>;
}

// Aliased to the AuditRun's own names, so a row is an AuditRun as it comes.
const COLUMNS = 'id, kind, trigger, status, counts, started_at as "startedAt", finished_at as "finishedAt"';

const START = `
insert into audit_runs (id, kind, trigger, status) values ($1, $2, $3::jsonb, 'running')
on conflict (id) do update set status = 'running', finished_at = null`;
const FINISH = `update audit_runs set status = $2, counts = $3::jsonb, finished_at = now() where id = $1`;
const GET = `select ${COLUMNS} from audit_runs where id = $1`;
// The CTE reads the row as it was before the update: the caller gets the awaiting run's counts.
const CLAIM = `
with before as (select ${COLUMNS} from audit_runs where id = $1 and status = 'awaiting-confirmation' for update)
update audit_runs set status = 'running', finished_at = null from before where audit_runs.id = before.id
returning before.*`;

export function createAuditRunStore(pool: Pool): AuditRunStore {
  const one = async (text: string, id: string): Promise<AuditRun | null> => {
    const { rows } = await pool.query<AuditRun>(text, [id]);
    return rows[0] ?? null;
  };
  return {
    start: async (id, kind, trigger) => {
      await pool.query(START, [id, kind, JSON.stringify(trigger)]);
    },
    finish: async (id, status, counts) => {
      await pool.query(FINISH, [id, status, JSON.stringify(counts)]);
    },
    get: (id) => one(GET, id),
    claimForConfirmation: (id) => one(CLAIM, id),
  };
}
