import { createAuditRunStore } from '../ledger/audit-runs.ts';
import type { AuditRunStore, RunKind, RunStatus } from '../ledger/audit-runs.ts';
import type { Trigger } from '../ledger/provenance.ts';
import { runErrorCode } from './maintenance-payloads.ts';
import type { MaintenanceDependencies } from './maintenance-payloads.ts';

/** How a run ended, as its audit_runs row keeps it. */
export interface RunEnd {
  readonly status: Exclude<RunStatus, 'running'>;
  /** Ids and numbers only (the row's `counts`). */
  readonly counts: Record<string, unknown>;
}

export interface MaintenanceRun {
  readonly id: string;
  readonly kind: RunKind;
  readonly trigger: Trigger;
  /** The row is running already (a confirmed cleanup claimed it), so it is not started. Default: false. */
  readonly claimed?: boolean;
  /**
   * What the row says when the work fails; the error's code is added to its counts. Read after
   * the failure, so it may report progress made. Default: status 'failed', no counts.
   */
  readonly onFailure?: () => RunEnd;
}

export interface MaintenanceRuns {
  /** The ledger's audit_runs rows (for what a processor reads besides its own run). */
  readonly store: AuditRunStore;
  /**
   * Runs `work` as `run`: its row is started (unless claimed), then finished with what `ended`
   * makes of the result, or as `onFailure` says when the work throws. A ledger failure is logged
   * and fails the run: at start or finish the ledger's error is thrown; when the work has
   * already failed, the work's error is (the ledger's is in the log).
   */
  run<R>(run: MaintenanceRun, work: () => Promise<R>, ended: (result: R) => RunEnd): Promise<R>;
}

/** The run bookkeeping every maintenance processor shares. */
export function createMaintenanceRuns(deps: MaintenanceDependencies): MaintenanceRuns {
  const store = createAuditRunStore(deps.ledgerPool);
  /** Resolves with the ledger's error, logged, or null when the write landed. */
  const record = async (run: MaintenanceRun, step: 'start' | 'finish', write: () => Promise<void>): Promise<unknown> => {
    try {
      await write();
      return null;
    } catch (error) {
      deps.logger.error({ runId: run.id, kind: run.kind, step, err: error }, 'could not record the run in the ledger');
      return error;
    }
  };
  const mustRecord = async (run: MaintenanceRun, step: 'start' | 'finish', write: () => Promise<void>): Promise<void> => {
    const failure = await record(run, step, write);
    if (failure !== null) throw failure;
  };
  return {
    store,
    run: async <R>(run: MaintenanceRun, work: () => Promise<R>, ended: (result: R) => RunEnd): Promise<R> => {
      if (!(run.claimed ?? false)) await mustRecord(run, 'start', () => store.start(run.id, run.kind, run.trigger));
      let result: R;
      try {
        result = await work();
      } catch (error) {
        const failed = run.onFailure?.() ?? { status: 'failed', counts: {} };
        await record(run, 'finish', () => store.finish(run.id, failed.status, { ...failed.counts, errorCode: runErrorCode(deps, error) }));
        throw error;
      }
      const end = ended(result);
      await mustRecord(run, 'finish', () => store.finish(run.id, end.status, end.counts));
      return result;
    },
  };
}
