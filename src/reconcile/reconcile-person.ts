import { codes, IdsyncError } from '../errors.ts';
import { formatRecordKey } from '../ids/index.ts';
import type { Links, Platform, RecordKey } from '../ids/index.ts';
import type { FindingRow, Ledger, WriteRow } from '../ledger/ledger.ts';
import type { Trigger } from '../ledger/provenance.ts';
import type { Logger } from '../logging/logger.ts';
import { applyPlan, changedPlatforms } from './apply-plan.ts';
import type { AppliedPatch } from './apply-plan.ts';
import { gatherPerson } from './gather.ts';
import type { Gathered } from './gather.ts';
import type { LinkIndex } from '../link-index/link-index.ts';
import { claimText } from '../link-index/link-rows.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import { withChange } from '../platforms/person-record.ts';
import type { Adapters } from '../platforms/platform-adapter.ts';
import { planReconcile } from './plan.ts';
import type { Finding, LinkPatch, Plan } from './plan-model.ts';

export interface ReconcileOptions {
  /** The platforms idsync syncs. */
  platforms: readonly Platform[];
  /** The platforms every person must have a record on. Default: all of `platforms`. */
  required?: readonly Platform[];
  /** The conflict policy (CONFLICT_POLICY). Default: 'newest'. */
  conflictPolicy?: 'newest' | 'manual';
  /** Plans made after losing a compare-and-set race, before giving up to the job's retry. Default: 5. */
  maxAttempts?: number;
  /** Bound on the records one person may span. Default: 32. */
  maxRecords?: number;
  /**
   * End after reading the origin when it reads exactly as the last reconcile that completed with
   * it left it (a change event that changed nothing a plan reads, such as the echo of idsync's own
   * write). Default: false: the person is gathered and planned whatever the origin holds.
   */
  unlessSettled?: boolean;
  /**
   * The job ran before, and its last run may have stopped after it settled the person's records
   * (ahead of its writes) and before the ledger and the profile: the person is gathered whatever
   * the origin reads (`unlessSettled` is ignored), and a CRM user's profile propagated even when
   * nothing is settled anew. Default: false.
   */
  resumed?: boolean;
}

export interface ReconcileContext {
  readonly trigger: Trigger;
  readonly jobId: string;
}

export interface ReconcileOutcome {
  readonly personKey: string;
  readonly members: Links;
  readonly writes: number;
  readonly findings: readonly Finding[];
  /** How many plans it took: more than one means a race was lost and planned again. */
  readonly attempts: number;
  /** True when the origin read as settled and nothing was gathered (`members` is then empty). */
  readonly settled?: true;
}

export interface ReconcileDependencies {
  readonly adapters: Adapters;
  /** idsync's index of claims and emails: gather's look-ups, refreshed with what each reconcile read. */
  readonly links: LinkIndex;
  readonly ledger: Ledger;
  readonly logger: Logger;
  /**
   * Propagates a CRM user's profile (what a `propagate profile` job does), called by a reconcile
   * that wrote a link or settled a record of the person anew (a first reconcile, a CRM name or
   * email changed) once its writes landed and the ledger has them: a reconcile that raced another
   * and wrote what the other had settled still propagates, in case the other never wrote. A
   * failure would fail the reconcile and retry it whole, so the caller hands a failed propagation
   * to a `propagate profile` job instead (src/jobs/reconcile-processor.ts). Default: none.
   */
  readonly propagateProfile?: (crmId: string, context: ReconcileContext) => Promise<unknown>;
}

const DEFAULT_MAX_ATTEMPTS = 5;

/** The rule behind each kind of finding, for its provenance. */
const FINDING_RULE = {
  orphan: 'id-claim',
  'malformed-id': 'id-claim',
  // Nothing was found for the platform by id claim or by unique email.
  missing: 'gather',
} as const;
const CONFLICT_RULE = { newest: 'newest-wins', manual: 'manual' } as const;

/**
 * Reconcile: gather, plan, apply with compare-and-set, and on a lost race plan again from fresh
 * reads. The writes that did land are recorded in the ledger even when the run gives up, so the
 * ledger never misses a change idsync made.
 */
export async function reconcilePerson(
  deps: ReconcileDependencies,
  origin: RecordKey,
  context: ReconcileContext,
  options: ReconcileOptions,
): Promise<ReconcileOutcome> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const resumed = options.resumed === true;
  const written: AppliedPatch[] = [];
  // Whether any attempt's refresh settled a record anew: a later attempt may find it settled already.
  let settledAnew = false;
  let personKey = formatRecordKey(origin);
  let recorded = false;
  try {
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      const unlessSettled = options.unlessSettled === true && !resumed && attempt === 1;
      const gathered = await gatherPerson(deps, origin, { maxRecords: options.maxRecords, unlessSettled });
      if (gathered === null) return settledOutcome(deps.logger, personKey, context);
      const { platforms, required, conflictPolicy = 'newest' } = options;
      const plan = planReconcile({ origin, ...gathered, platforms, required, conflictPolicy });
      personKey = personKeyOf(plan, origin);
      if ((await deps.links.refresh(...settling(gathered, plan))).size > 0) settledAnew = true;
      const applied = await applyPlan(deps.adapters, plan.patches);
      written.push(...applied.filter((entry) => entry.outcome === 'written'));
      if (applied.every((entry) => entry.outcome === 'written')) {
        await deps.ledger.recordOutcome(writeRows(written, personKey, context), findingRows(plan.findings, personKey, context));
        recorded = true;
        if (plan.members.crm !== undefined && (settledAnew || written.length > 0 || resumed)) await deps.propagateProfile?.(plan.members.crm, context);
        deps.logger.info({ personKey, jobId: context.jobId, writes: written.length, findings: plan.findings.length, attempt }, 'reconciled');
        return { personKey, members: plan.members, writes: written.length, findings: plan.findings, attempts: attempt };
      }
      deps.logger.debug({ personKey, jobId: context.jobId, attempt }, 'lost a compare-and-set race; planning again');
    }
  } finally {
    if (!recorded) await deps.ledger.recordOutcome(writeRows(written, personKey, context), []);
  }
  throw new IdsyncError(codes.RECONCILE_CONTENDED, `${personKey} kept changing under reconcile for ${maxAttempts} attempts`);
}

/** The origin read as settled: the person was neither gathered nor planned. Logged like every reconcile's end. */
function settledOutcome(logger: Logger, personKey: string, context: ReconcileContext): ReconcileOutcome {
  logger.info({ personKey, jobId: context.jobId, writes: 0, settled: true }, 'reconciled');
  return { personKey, members: {}, writes: 0, findings: [], attempts: 1, settled: true };
}

/**
 * The refresh before the writes: every record read as the plan will leave it, the person's records
 * settled so. The watchers then know each write's change event for an echo however soon it comes,
 * rather than enqueue a reconcile for it; a write that does not land leaves its record reading
 * otherwise than settled. The index leads idsync's writes rather than lag them (its claims are
 * hints that gather confirms by reading). A job that ran before is `resumed`: its last run may
 * have stopped after this and before the ledger and the profile, so it gathers and propagates
 * whatever reads as settled.
 */
function settling(gathered: Gathered, plan: Plan): Parameters<LinkIndex['refresh']> {
  const settle = new Set(gathered.records.map(({ record }) => claimText(record)));
  return [asPlanned(gathered.read, plan.patches), gathered.missing, { held: gathered.held, settle }];
}

/** The records read, those the plan writes as the writes will leave them. */
function asPlanned(read: readonly PersonRecord[], patches: readonly LinkPatch[]): PersonRecord[] {
  const planned = new Map(patches.map((patch) => [patch.record, patch]));
  return read.map((record) => {
    const patch = planned.get(record);
    return patch ? withChange(record, patch) : record;
  });
}

/** The ledger keys a person by their CRM id when they have one, else by the origin. */
function personKeyOf(plan: Plan, origin: RecordKey): string {
  return plan.members.crm ? formatRecordKey({ platform: 'crm', id: plan.members.crm }) : formatRecordKey(origin);
}

function writeRows(applied: readonly AppliedPatch[], personKey: string, context: ReconcileContext): WriteRow[] {
  return applied.flatMap(({ patch }) =>
    changedPlatforms(patch).map((platform) => ({
      personKey,
      platform: patch.record.platform,
      recordId: patch.record.id,
      field: `links.${platform}`,
      before: patch.record.links[platform] ?? null,
      after: patch.set[platform] ?? null,
      provenance: { trigger: context.trigger, jobId: context.jobId, rule: patch.rules[platform] ?? 'unknown' },
    })),
  );
}

function findingRows(findings: readonly Finding[], personKey: string, context: ReconcileContext): FindingRow[] {
  return findings.map((finding) => {
    const { kind, platform, ...detail } = finding;
    const recordId = 'recordId' in finding ? finding.recordId : null;
    const rule = kind === 'conflict' ? CONFLICT_RULE[finding.policy] : FINDING_RULE[kind];
    return { kind, personKey, platform, recordId, detail, provenance: { trigger: context.trigger, jobId: context.jobId, rule } };
  });
}
