import type { Job } from 'bullmq';
import { runAuditPass } from '../audit/audit-pass.ts';
import { issueRow } from '../audit/issue-rows.ts';
import { breakerDecision, planOrphanCleanup } from '../audit/orphan-cleanup.ts';
import type { BreakerDecision, CleanupPlan, OrphanReference, OrphanRemoval } from '../audit/orphan-cleanup.ts';
import { codes, IdsyncError } from '../errors.ts';
import type { AuditRunStore } from '../ledger/audit-runs.ts';
import type { WriteRow } from '../ledger/ledger.ts';
import type { Trigger } from '../ledger/provenance.ts';
import type { WriteOutcome } from '../platforms/platform-adapter.ts';
import { invalidPayload } from './job-errors.ts';
import { createMaintenanceRuns } from './maintenance-run.ts';
import type { MaintenanceRun } from './maintenance-run.ts';
import { cleanupJobSchema, runIdOf } from './maintenance-payloads.ts';
import type { MaintenanceConfig, MaintenanceDependencies } from './maintenance-payloads.ts';

export interface CleanupOptions {
  /** Orphan references listed in the job's result (all of them go to the ledger). Default: 1000. */
  listLimit?: number;
}

type HoldReason = typeof codes.CLEANUP_BREAKER | typeof codes.CLEANUP_EXCEEDS_CONFIRMED;

export interface CleanupReport {
  readonly runId: string;
  readonly mode: 'report' | 'apply';
  readonly status: 'completed' | 'awaiting-confirmation';
  /** Why the breaker held the run, when it did. */
  readonly reason: HoldReason | null;
  readonly breaker: BreakerDecision;
  readonly orphanReferences: number;
  /** Orphans left alone because two existing ids for that platform sit beside them (a conflict). */
  readonly skipped: number;
  readonly removed: number;
  /** Records that changed after the scan: left for the next run. */
  readonly stale: number;
  readonly references: readonly OrphanReference[];
}

const DEFAULT_LIST_LIMIT = 1000;
const WRITE_CONCURRENCY = 8;

/**
 * The `cleanup-orphans` job (issue 6): lists references to records that no longer exist (report
 * mode) or removes them (apply mode), behind a circuit breaker that holds a run removing more than
 * CLEANUP_MAX_FRACTION of all links until an operator confirms it (`confirmRunId`).
 */
export function createCleanupProcessor(deps: MaintenanceDependencies, config: MaintenanceConfig, options: CleanupOptions = {}) {
  const runs = createMaintenanceRuns(deps);
  return async (job: Job): Promise<CleanupReport> => {
    const parsed = cleanupJobSchema.safeParse(job.data);
    if (!parsed.success) throw invalidPayload(parsed.error);
    const { trigger, confirmRunId, mode, maxFraction } = parsed.data;
    const runId = confirmRunId ?? runIdOf(job);
    const held = confirmRunId === undefined ? null : await claimConfirmation(runs.store, confirmRunId);
    const confirmedReferences = held === null ? null : confirmedCount(held);
    const listLimit = options.listLimit ?? DEFAULT_LIST_LIMIT;
    const run: MaintenanceRun = {
      id: runId,
      kind: 'cleanup-orphans',
      trigger,
      claimed: held !== null,
      // A confirmed run that fails goes back to waiting, so that the operator can confirm it again.
      onFailure: () => (held === null ? { status: 'failed', counts: {} } : { status: 'awaiting-confirmation', counts: held }),
    };
    const report = await runs.run(
      run,
      () => runCleanup(deps, config, { runId, trigger, mode, maxFraction, confirmedReferences, listLimit }),
      ({ references: _listed, ...counts }) => ({ status: counts.status, counts }),
    );
    deps.logger.info({ runId, mode: report.mode, status: report.status, orphans: report.orphanReferences, removed: report.removed }, 'cleanup finished');
    return report;
  };
}

/** The held run's counts; throws when the run does not exist or awaits no confirmation. */
async function claimConfirmation(runs: AuditRunStore, runId: string): Promise<Record<string, unknown>> {
  const run = await runs.claimForConfirmation(runId);
  if (run === null || run.kind !== 'cleanup-orphans') {
    throw new IdsyncError(codes.RUN_NOT_AWAITING, `cleanup run ${runId} does not await confirmation`);
  }
  return run.counts;
}

/** How many references the operator saw, and so confirmed removing. */
function confirmedCount(counts: Record<string, unknown>): number {
  return typeof counts.orphanReferences === 'number' ? counts.orphanReferences : 0;
}

interface CleanupRequest {
  readonly runId: string;
  readonly trigger: Trigger;
  /** The mode the job carries (the enqueuing command's CLEANUP_MODE); the worker's when absent. */
  readonly mode: 'report' | 'apply' | undefined;
  /** The breaker's fraction the job carries (the enqueuing command's CLEANUP_MAX_FRACTION); the worker's when absent. */
  readonly maxFraction: number | undefined;
  /** Set when an operator confirmed a held run: at most this many references may go. */
  readonly confirmedReferences: number | null;
  readonly listLimit: number;
}

async function runCleanup(deps: MaintenanceDependencies, config: MaintenanceConfig, request: CleanupRequest): Promise<CleanupReport> {
  const pass = await runAuditPass(deps.adapters, {
    platforms: config.platforms,
    required: config.requiredPlatforms,
    conflictPolicy: config.policy.conflict,
    batchSize: config.maintenance.batchSize,
  });
  const plan = planOrphanCleanup(pass.people());
  const breaker = breakerDecision(plan.references.length, pass.links, request.maxFraction ?? config.policy.cleanupMaxFraction);
  const mode = request.confirmedReferences === null ? (request.mode ?? config.policy.cleanupMode) : 'apply';
  const base = {
    runId: request.runId,
    mode,
    breaker,
    orphanReferences: plan.references.length,
    skipped: plan.skipped.length,
    references: plan.references.slice(0, request.listLimit),
  };
  await recordOrphans(deps, plan, request);
  const reason = holdReason(mode, breaker, plan, request.confirmedReferences);
  if (mode === 'report' || reason !== null) {
    if (reason !== null) {
      const { fraction, maxFraction } = breaker;
      deps.logger.warn({ runId: request.runId, reason, fraction, maxFraction }, 'cleanup held until confirmed');
    }
    return { ...base, status: reason === null ? 'completed' : 'awaiting-confirmation', reason, removed: 0, stale: 0 };
  }
  const outcomes = await removeOrphans(deps, plan.removals, request);
  const removed = outcomes.filter((entry) => entry.outcome === 'written').flatMap((entry) => entry.removal.references).length;
  return { ...base, status: 'completed', reason: null, removed, stale: outcomes.filter((entry) => entry.outcome === 'stale').length };
}

function holdReason(mode: 'report' | 'apply', breaker: BreakerDecision, plan: CleanupPlan, confirmed: number | null): HoldReason | null {
  if (mode === 'report') return null;
  if (confirmed === null) return breaker.trip ? codes.CLEANUP_BREAKER : null;
  return plan.references.length > confirmed ? codes.CLEANUP_EXCEEDS_CONFIRMED : null;
}

async function recordOrphans(deps: MaintenanceDependencies, plan: CleanupPlan, request: CleanupRequest): Promise<void> {
  const rows = plan.references.map(({ personKey, ...orphan }) =>
    issueRow(personKey, { kind: 'orphan', ...orphan }, { trigger: request.trigger, runId: request.runId }),
  );
  await deps.ledger.recordOutcome([], rows);
}

interface Removed {
  readonly removal: OrphanRemoval;
  readonly outcome: WriteOutcome;
}

/** Compare-and-set writes, a few at a time; each landed write goes to the ledger's sync_writes. */
async function removeOrphans(deps: MaintenanceDependencies, removals: readonly OrphanRemoval[], request: CleanupRequest): Promise<Removed[]> {
  const results: Removed[] = [];
  for (let start = 0; start < removals.length; start += WRITE_CONCURRENCY) {
    const slice = removals.slice(start, start + WRITE_CONCURRENCY);
    const outcomes = await Promise.all(slice.map((removal) => writeRemoval(deps, removal)));
    results.push(...outcomes);
    const landed = outcomes.filter((entry) => entry.outcome === 'written');
    await deps.ledger.recordOutcome(landed.flatMap((entry) => writeRows(entry.removal, request)), []);
  }
  return results;
}

async function writeRemoval(deps: MaintenanceDependencies, removal: OrphanRemoval): Promise<Removed> {
  const adapter = deps.adapters[removal.record.platform];
  if (adapter === undefined) throw new Error(`no adapter for ${removal.record.platform}: only scanned records are cleaned`);
  return { removal, outcome: await adapter.writeLinks(removal.record, removal.change) };
}

function writeRows(removal: OrphanRemoval, request: CleanupRequest): WriteRow[] {
  return removal.references.map((reference) => ({
    personKey: removal.personKey,
    platform: removal.record.platform,
    recordId: removal.record.id,
    field: `links.${reference.claimedPlatform}`,
    before: reference.claimedId,
    after: removal.change.set[reference.claimedPlatform] ?? null,
    provenance: { trigger: request.trigger, jobId: request.runId, rule: 'orphan-cleanup' },
  }));
}
