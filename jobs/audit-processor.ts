import type { Job } from 'bullmq';
import { runAuditPass } from '../src/audit/audit-pass.ts';
import type { AuditPass } from '../src/audit/audit-pass.ts';
import type { IssueKind, PersonEvaluation } from '../src/audit/audit-model.ts';
import { enqueueReconcilesBulk } from '../src/audit/enqueue-bulk.ts';
import { countIssues } from '../src/audit/evaluate.ts';
import { issueRows } from '../src/audit/issue-rows.ts';
import { plannedWrites } from '../src/audit/planned-writes.ts';
import type { Platform } from '../src/ids/index.ts';
import { createAuditRunStore } from '../src/ledger/audit-runs.ts';
import type { Trigger } from '../src/ledger/provenance.ts';
import { createSyncStatusStore } from '../src/ledger/sync-status.ts';
import type { SyncStatus } from '../src/ledger/sync-status.ts';
import { invalidPayload } from './job-errors.ts';
import { auditJobSchema, runErrorCode, runIdOf } from './maintenance-payloads.ts';
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
  /** Issues by kind (every kind, zero when none). */
  readonly issues: Record<IssueKind, number>;
  /** Field writes the repairs are planned to make. */
  readonly plannedWrites: number;
  /** People whose reconcile was enqueued (those with a write planned); 0 when reportOnly. */
  readonly enqueued: number;
}

/** The `audit` job (issue 6): one set-based pass, the ledger updated, repairs enqueued. */
export function createAuditProcessor(deps: MaintenanceDependencies, config: MaintenanceConfig) {
  const runs = createAuditRunStore(deps.ledgerPool);
  return async (job: Job): Promise<AuditReport> => {
    const parsed = auditJobSchema.safeParse(job.data);
    if (!parsed.success) throw invalidPayload(parsed.error);
    const runId = runIdOf(job);
    await runs.start(runId, 'audit', parsed.data.trigger);
    try {
      const report = await runAudit(deps, config, { runId, job, ...parsed.data });
      await runs.finish(runId, 'completed', { ...report });
      deps.logger.info({ runId, people: report.people, inconsistent: report.inconsistent, enqueued: report.enqueued }, 'audit finished');
      return report;
    } catch (error) {
      await runs.finish(runId, 'failed', { errorCode: runErrorCode(deps, error) }).catch(() => undefined);
      throw error;
    }
  };
}

interface AuditRequest {
  readonly runId: string;
  readonly job: Job;
  readonly trigger: Trigger;
  readonly reportOnly: boolean;
}

async function runAudit(deps: MaintenanceDependencies, config: MaintenanceConfig, request: AuditRequest): Promise<AuditReport> {
  const batchSize = config.maintenance.batchSize;
  const checkedAt = new Date();
  const pass = await runAuditPass(deps.adapters, {
    platforms: config.platforms,
    conflictPolicy: config.policy.conflict,
    batchSize,
    onBatch: (progress) => request.job.updateProgress({ phase: 'scan', ...progress }),
  });
  await recordStatuses(deps, pass.people, request.runId, checkedAt, batchSize);
  const findings = pass.people.flatMap((person) => issueRows(person, { trigger: request.trigger, runId: request.runId }));
  for (let start = 0; start < findings.length; start += batchSize) {
    await deps.ledger.recordOutcome([], findings.slice(start, start + batchSize));
  }
  const repairs = pass.people.filter((person) => person.patches.length > 0).map((person) => person.origin);
  if (!request.reportOnly) {
    await enqueueReconcilesBulk(deps.queues.byName.reconcile, repairs, request.trigger, { chunkSize: batchSize });
  }
  return reportOf(pass, request, request.reportOnly ? 0 : repairs.length);
}

async function recordStatuses(deps: MaintenanceDependencies, people: readonly PersonEvaluation[], runId: string, checkedAt: Date, batchSize: number): Promise<void> {
  const store = createSyncStatusStore(deps.ledgerPool);
  // A CRM record reached by two people's gathers (gather's asymmetric corner) keeps the first one's status.
  const rows = new Map<string, SyncStatus>();
  for (const person of people) {
    if (person.userId === null || rows.has(person.userId)) continue;
    const issues = person.issues.map((issue) => ({ ...issue }));
    rows.set(person.userId, { userId: person.userId, platformsInSync: person.platformsInSync, issues, lastCheck: checkedAt, auditRunId: runId });
  }
  await store.upsert([...rows.values()], { chunkSize: batchSize });
  await store.removeUnchecked(checkedAt);
}

function reportOf(pass: AuditPass, request: AuditRequest, enqueued: number): AuditReport {
  const inconsistent = pass.people.filter((person) => person.issues.length > 0).length;
  return {
    runId: request.runId,
    reportOnly: request.reportOnly,
    scanned: pass.scanned,
    records: pass.records,
    people: pass.people.length,
    consistent: pass.people.length - inconsistent,
    inconsistent,
    issues: countIssues(pass.people),
    plannedWrites: plannedWrites(pass.people).length,
    enqueued,
  };
}
