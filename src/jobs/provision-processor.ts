import type { Job } from 'bullmq';
import { codes } from '../errors.ts';
import { formatRecordKey } from '../ids/index.ts';
import type { Links, Platform, RecordKey } from '../ids/index.ts';
import type { Ledger, WriteRow } from '../ledger/ledger.ts';
import type { Logger } from '../logging/logger.ts';
import { AccountError } from '../platforms/staff-account.ts';
import type { AccountOpeners, AccountPlatform, NewStaffMember, OpenedAccount } from '../platforms/staff-account.ts';
import { provisionJobSchema } from '../queues/job-payloads.ts';
import { accountSteps, nextStep, readProgress, reconcileOrigin } from '../provision/steps.ts';
import type { ProvisionProgress } from '../provision/steps.ts';
import type { ReconcileContext, ReconcileOutcome } from '../reconcile/reconcile-person.ts';
import { invalidPayload } from './job-errors.ts';

export interface ProvisionDependencies {
  /** One opener per system that can open accounts; a synced system without one fails the job. */
  readonly openers: AccountOpeners;
  /** Links the new accounts both ways: the reconcile engine, started from the person's CRM account. */
  reconcile(origin: RecordKey, context: ReconcileContext): Promise<ReconcileOutcome>;
  readonly ledger: Ledger;
  readonly logger: Logger;
}

export interface ProvisionOptions {
  /** Called after each step's result is saved on the job (tests stop a worker here). Default: none. */
  afterStep?: (platform: AccountPlatform, progress: Readonly<ProvisionProgress>) => void | Promise<void>;
}

export interface ProvisionReport {
  readonly personKey: string;
  /** Each synced system's account id, and whether this job created it. */
  readonly accounts: Partial<Record<AccountPlatform, OpenedAccount>>;
  /** Link writes the closing reconcile made. */
  readonly linkWrites: number;
}

/**
 * `create-staff-member`: an account in each synced system of Supabase → OmniStack → CRM,
 * each created claiming the ones before it, then a reconcile of the person that links them all
 * both ways (and finds a same-email Bookmaster user). Each step's result is saved on the job as its
 * progress before the next step starts, so a retried job resumes at the step that failed; and each
 * step is idempotent by email, so even a step whose result was lost creates nothing twice.
 */
export function createProvisionProcessor(deps: ProvisionDependencies, config: { readonly platforms: readonly Platform[] }, options: ProvisionOptions = {}) {
  const steps = accountSteps(config.platforms);
  return async (job: Job): Promise<ProvisionReport> => {
    const parsed = provisionJobSchema.safeParse(job.data);
    if (!parsed.success) throw invalidPayload(parsed.error);
    const { trigger, ...member } = parsed.data;
    const progress = await openAccounts(job, member, steps, deps, options);
    const origin = reconcileOrigin(steps, progress);
    if (origin === null) {
      throw new AccountError(codes.NOT_AVAILABLE, 'crm', 'this deployment syncs none of Supabase, OmniStack and the CRM: there is nowhere to open an account');
    }
    const context = { trigger, jobId: job.id ?? 'unknown' };
    const outcome = await deps.reconcile(origin, context);
    await deps.ledger.recordOutcome(creationRows(progress, outcome.personKey, context), []);
    deps.logger.info({ jobId: job.id, personKey: outcome.personKey, created: createdPlatforms(progress) }, 'staff member provisioned');
    return { personKey: outcome.personKey, accounts: progress.accounts, linkWrites: outcome.writes };
  };
}

async function openAccounts(
  job: Job,
  member: NewStaffMember,
  steps: readonly AccountPlatform[],
  deps: ProvisionDependencies,
  options: ProvisionOptions,
): Promise<ProvisionProgress> {
  const progress = readProgress(job.progress);
  for (let step = nextStep(steps, progress); step !== null; step = nextStep(steps, progress)) {
    const opener = deps.openers[step];
    if (!opener) throw new AccountError(codes.NOT_AVAILABLE, step, `${step} is synced but idsync cannot open ${step} accounts in this deployment`);
    progress.accounts[step] = await opener.open(member, linksOf(progress));
    // Saved before the next step starts: a retry after a crash resumes after this step.
    await job.updateProgress(progress);
    await options.afterStep?.(step, progress);
  }
  return progress;
}

function linksOf(progress: ProvisionProgress): Links {
  return Object.fromEntries(Object.entries(progress.accounts).map(([platform, account]) => [platform, account.id])) as Links;
}

function createdPlatforms(progress: ProvisionProgress): AccountPlatform[] {
  return (Object.entries(progress.accounts) as Array<[AccountPlatform, OpenedAccount]>).filter(([, account]) => account.created).map(([platform]) => platform);
}

/** One ledger row per account this job created; `after` names the new record (ids are not personal data). */
function creationRows(progress: ProvisionProgress, personKey: string, context: ReconcileContext): WriteRow[] {
  return createdPlatforms(progress).map((platform) => {
    const id = (progress.accounts[platform] as OpenedAccount).id;
    const provenance = { trigger: context.trigger, jobId: context.jobId, rule: 'create-staff-member' };
    return { personKey, platform, recordId: id, field: 'account', before: null, after: formatRecordKey({ platform, id }), provenance };
  });
}
