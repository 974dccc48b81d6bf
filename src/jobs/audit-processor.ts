import type { Job } from 'bullmq';
import { runAuditPass } from '../audit/audit-pass.ts';
import type { AuditPass } from '../audit/audit-pass.ts';
import type { IssueKind } from '../audit/audit-model.ts';
import { AuditTally } from '../audit/audit-tally.ts';
import { scannablePlatforms } from '../audit/scan.ts';
import type { InconsistentPerson } from '../audit/audit-tally.ts';
import { enqueueReconcilesBulk } from '../audit/enqueue-bulk.ts';
import type { Platform } from '../ids/index.ts';
import { startLinkIndexRebuild } from '../link-index/link-index-rebuild.ts';
import type { Trigger } from '../ledger/provenance.ts';
import { createSyncStatusStore } from '../ledger/sync-status.ts';
import { AuditLedgerWriter } from './audit-ledger-writer.ts';
import { invalidPayload } from './job-errors.ts';
import { createMaintenanceRuns } from './maintenance-run.ts';
import { auditJobSchema, runIdOf } from './maintenance-payloads.ts';
import type { MaintenanceConfig, MaintenanceDependencies } from './maintenance-payloads.ts';

/** What an audit run found and did: also the counts its audit_runs row keeps. */
export interface AuditReport {
  readonly runId: string;
  readonly reportOnly: boolean;
  readonly scanned: readonly Platform[];
  /** Records read per system. */
  readonly records: Partial<Record<Platform, number>>;
  readonly people: number;
  readonly consistent: number;
  readonly inconsistent: number;
  /** The first inconsistent people (up to 10, in scan order), each with their issue kinds. Absent from a report by a worker older than this field. */
  readonly firstInconsistent?: readonly InconsistentPerson[];
  /** Issues by kind (every kind, zero when none). */
  readonly issues: Record<IssueKind, number>;
  /** Field writes the repairs are planned to make. */
  readonly plannedWrites: number;
  /** People whose reconcile was enqueued (those with a write planned); 0 when reportOnly. */
  readonly enqueued: number;
}

/** The `audit` job (issue 6): one set-based pass, the ledger updated, repairs enqueued. */
export function createAuditProcessor(deps: MaintenanceDependencies, config: MaintenanceConfig) {
  const runs = createMaintenanceRuns(deps);
  return async (job: Job): Promise<AuditReport> => {
    const parsed = auditJobSchema.safeParse(job.data);
    if (!parsed.success) throw invalidPayload(parsed.error);
    const runId = runIdOf(job);
    const report = await runs.run(
      { id: runId, kind: 'audit', trigger: parsed.data.trigger },
      () => runAudit(deps, config, { runId, job, ...parsed.data }),
      (done) => ({ status: 'completed', counts: { ...done } }),
    );
    deps.logger.info({ runId, people: report.people, inconsistent: report.inconsistent, enqueued: report.enqueued }, 'audit finished');
    return report;
  };
}

interface AuditRequest {
  readonly runId: string;
  readonly job: Job;
  readonly trigger: Trigger;
  readonly reportOnly: boolean;
}

async function runAudit(deps: MaintenanceDependencies, config: MaintenanceConfig, request: AuditRequest): Promise<AuditReport> {
  const linkIndex = await startLinkIndexRebuild(deps.ledgerPool, scannablePlatforms(deps.adapters, config.platforms));
  try {
    const pass = await runAuditPass(deps.adapters, {
      platforms: config.platforms,
      required: config.requiredPlatforms,
      conflictPolicy: config.policy.conflict,
      batchSize: config.maintenance.batchSize,
      // The audit writes no record itself (its repairs are reconcile jobs, which read afresh).
      keepSnapshots: false,
      onBatch: (progress) => request.job.updateProgress({ phase: 'scan', ...progress }),
      onRecords: linkIndex.add,
    });
    // Postgres merges the last rows and drops the unseen ones while this process groups and plans.
    // The repairs are enqueued once it is done, so their reconciles find the index rebuilt.
    const rebuilt = linkIndex.finish(pass.holds);
    rebuilt.catch(() => undefined);
    const tally = await recordPeople(deps, pass, request, config.maintenance.batchSize);
    deps.logger.debug({ runId: request.runId, ...(await rebuilt) }, 'link index rebuilt from the scan');
    if (!request.reportOnly) {
      await enqueueReconcilesBulk(deps.queues.byName.reconcile, tally.repairs, request.trigger, { chunkSize: config.maintenance.batchSize });
    }
    return reportOf(pass, tally, request);
  } finally {
    linkIndex.close();
  }
}

/** Plans every person of the pass, their statuses and findings written to the ledger as they go. */
async function recordPeople(deps: MaintenanceDependencies, pass: AuditPass, request: AuditRequest, batchSize: number): Promise<AuditTally> {
  const writer = new AuditLedgerWriter(createSyncStatusStore(deps.ledgerPool), deps.ledger, {
    runId: request.runId,
    trigger: request.trigger,
    checkedAt: new Date(),
    batchSize,
  });
  const tally = new AuditTally();
  for (const person of pass.people()) {
    tally.add(person);
    await writer.add(person);
  }
  await writer.finish();
  return tally;
}

function reportOf(pass: AuditPass, tally: AuditTally, request: AuditRequest): AuditReport {
  return {
    runId: request.runId,
    reportOnly: request.reportOnly,
    scanned: pass.scanned,
    records: pass.records,
    people: tally.people,
    consistent: tally.people - tally.inconsistent,
    inconsistent: tally.inconsistent,
    firstInconsistent: tally.firstInconsistent,
    issues: tally.issues,
    plannedWrites: tally.plannedWrites,
    enqueued: request.reportOnly ? 0 : tally.repairs.length,
  };
}
