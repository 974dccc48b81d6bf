import { formatRecordKey } from '../ids/index.ts';
import type { FindingRow, Ledger, WriteRow } from '../ledger/ledger.ts';
import type { Trigger } from '../ledger/provenance.ts';
import type { Logger } from '../logging/logger.ts';
import { usableEmail } from '../platforms/profile-rules.ts';
import { EmailTakenError, PROFILE_PLATFORMS, ProfileTargetError } from '../platforms/profile-target.ts';
import type { CrmProfile, CrmProfileReader, EmailTakenReason, ProfileChange, ProfileField, ProfilePlatform, ProfileTarget, ProfileTargets, TargetProfile } from '../platforms/profile-target.ts';
import { codes } from '../errors.ts';

export interface PropagateDependencies {
  readonly crm: CrmProfileReader;
  /** One target per system that takes a profile; a system without one has its links skipped. */
  readonly targets: ProfileTargets;
  readonly ledger: Ledger;
  readonly logger: Logger;
}

export interface PropagateContext {
  readonly trigger: Trigger;
  readonly jobId: string;
}

export interface PropagateOptions {
  /** Reads and writes of one target after losing a compare-and-set race, before giving up to the job's retry. Default: 5. */
  maxAttempts?: number;
}

/** Why a link got no profile: nothing to follow, nothing to write to, or a record that is not clearly this person's. */
export type SkipReason = 'no-link' | 'malformed-link' | 'conflicting-links' | 'no-target' | 'orphan-link' | 'not-linked-back';

export type TargetResult =
  | { readonly platform: ProfilePlatform; readonly recordId: string; readonly result: 'written'; readonly fields: readonly ProfileField[]; readonly attempts: number }
  | { readonly platform: ProfilePlatform; readonly recordId: string; readonly result: 'unchanged' }
  | { readonly platform: ProfilePlatform; readonly recordId: string | null; readonly result: 'skipped'; readonly reason: SkipReason };

/** Ids, results and reasons only: an outcome is stored by BullMQ and logged, so it carries no email or name. */
export interface PropagateOutcome {
  readonly personKey: string;
  readonly crm: 'found' | 'missing';
  /** Records written (one compare-and-set each). */
  readonly writes: number;
  readonly targets: readonly TargetResult[];
}

/** What the ledger keeps instead of an email or a name: that there was one. */
export const REDACTED_VALUE = '[redacted]';
const DEFAULT_MAX_ATTEMPTS = 5;

interface Run {
  readonly deps: PropagateDependencies;
  readonly profile: CrmProfile;
  readonly personKey: string;
  readonly context: PropagateContext;
  readonly maxAttempts: number;
}

/**
 * `propagate profile`: reads the CRM user's email, name and links once, then for each
 * linked system with a target writes what differs, with compare-and-set; a lost race re-reads the
 * target and tries again (bounded), then fails retryable `codes.PROPAGATE_CONTENDED`.
 */
export async function propagateProfile(deps: PropagateDependencies, crmId: string, context: PropagateContext, options: PropagateOptions = {}): Promise<PropagateOutcome> {
  const personKey = formatRecordKey({ platform: 'crm', id: crmId });
  const profile = await deps.crm.read(crmId);
  if (profile === null) {
    deps.logger.info({ personKey, jobId: context.jobId }, 'profile not propagated: the CRM user does not exist');
    return { personKey, crm: 'missing', writes: 0, targets: [] };
  }
  if (profile.email !== undefined && profile.email !== null && usableEmail(profile.email) === null) {
    // The type only: the value may be anything, an address with a typo included.
    deps.logger.warn({ personKey, jobId: context.jobId, emailType: typeof profile.email }, 'the CRM email is not an address; it is not propagated');
  }
  const run: Run = { deps, profile, personKey, context, maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS };
  const targets: TargetResult[] = [];
  for (const platform of PROFILE_PLATFORMS) targets.push(await propagateTo(run, platform));
  const writes = targets.filter((target) => target.result === 'written').length;
  deps.logger.info({ personKey, jobId: context.jobId, writes, targets }, 'profile propagated');
  return { personKey, crm: 'found', writes, targets };
}

async function propagateTo(run: Run, platform: ProfilePlatform): Promise<TargetResult> {
  const link = linkOf(run.profile, platform);
  if ('reason' in link) return skipped(run, platform, null, link.reason);
  const target = run.deps.targets[platform];
  if (!target) return skipped(run, platform, link.id, 'no-target');
  for (let attempt = 1; attempt <= run.maxAttempts; attempt += 1) {
    const current = await target.read(link.id);
    if (current === null) return skipped(run, platform, link.id, 'orphan-link');
    if (current.crmClaims.length !== 1 || current.crmClaims[0] !== run.profile.id) return skipped(run, platform, link.id, 'not-linked-back');
    const changes = target.plan(run.profile, current);
    if (changes.length === 0) return { platform, recordId: current.id, result: 'unchanged' };
    if ((await write(run, target, current, changes)) === 'written') {
      await run.deps.ledger.recordOutcome(writeRows(run, current, changes), []);
      return { platform, recordId: current.id, result: 'written', fields: changes.map((change) => change.field), attempts: attempt };
    }
    run.deps.logger.debug({ personKey: run.personKey, jobId: run.context.jobId, platform, attempt }, 'lost a compare-and-set race; reading again');
  }
  const message = `${platform}:${link.id} kept changing under the profile write for ${run.maxAttempts} attempts`;
  throw new ProfileTargetError(codes.PROPAGATE_CONTENDED, platform, link.id, message);
}

/**
 * The CRM's one valid link to `platform`. Two different ids (a `supabaseId` that disagrees with
 * `externalIds.supabase`) are reconcile's conflict to settle, not a choice to make here.
 */
function linkOf(profile: CrmProfile, platform: ProfilePlatform): { id: string } | { reason: SkipReason } {
  if ((profile.extraLinks[platform]?.length ?? 0) > 0) return { reason: 'conflicting-links' };
  const id = profile.links[platform];
  if (id !== undefined) return { id };
  return { reason: profile.unreadable.some((entry) => entry.platform === platform) ? 'malformed-link' : 'no-link' };
}

/** An email another record holds is a finding as well as a failure: an operator must decide. */
async function write(run: Run, target: ProfileTarget, current: TargetProfile, changes: readonly ProfileChange[]) {
  try {
    return await target.write(current, changes);
  } catch (error) {
    if (error instanceof EmailTakenError) await run.deps.ledger.recordOutcome([], [emailTakenFinding(run, current, error.reason)]);
    throw error;
  }
}

function skipped(run: Run, platform: ProfilePlatform, recordId: string | null, reason: SkipReason): TargetResult {
  const fields = { personKey: run.personKey, jobId: run.context.jobId, platform, recordId, reason };
  if (reason === 'no-link') run.deps.logger.debug(fields, 'no link to give the profile to');
  else if (reason === 'no-target') run.deps.logger.info(fields, 'no profile target for this platform; link skipped');
  else run.deps.logger.info(fields, 'profile link skipped');
  return { platform, recordId, result: 'skipped', reason };
}

function writeRows(run: Run, current: TargetProfile, changes: readonly ProfileChange[]): WriteRow[] {
  return changes.map((change) => ({
    personKey: run.personKey,
    platform: current.platform,
    recordId: current.id,
    field: `profile.${change.field}`,
    before: change.hadValue ? REDACTED_VALUE : null,
    after: REDACTED_VALUE,
    provenance: { trigger: run.context.trigger, jobId: run.context.jobId, rule: change.rule },
  }));
}

function emailTakenFinding(run: Run, current: TargetProfile, reason: EmailTakenReason): FindingRow {
  return {
    kind: 'email-taken',
    personKey: run.personKey,
    platform: current.platform,
    recordId: current.id,
    detail: { recordId: current.id, field: 'email', reason },
    provenance: { trigger: run.context.trigger, jobId: run.context.jobId, rule: 'crm-email' },
  };
}
