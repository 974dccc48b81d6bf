import { formatRecordKey, PLATFORMS } from '../ids/index.ts';
import type { Platform } from '../ids/index.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import { planReconcile } from '../reconcile/plan.ts';
import type { LinkPatch, PlanInput } from '../reconcile/plan-model.ts';
import type { OversizedGroup } from './group-people.ts';
import type { AuditIssue, MissingLinkIssue, PersonEvaluation, PersonGroup, SupabaseIdMismatchIssue } from './audit-model.ts';

export interface EvaluateOptions {
  /** The platforms idsync syncs (reconcile plans with the same list, so findings agree). */
  readonly platforms: readonly Platform[];
  /** The platforms every person must have a record on. Default: all of `platforms`. */
  readonly required?: readonly Platform[];
  /** The platforms whose records were scanned (those with an adapter). */
  readonly scanned: readonly Platform[];
  /** The conflict policy (CONFLICT_POLICY). Default: 'newest'. */
  readonly conflictPolicy?: PlanInput['conflictPolicy'];
}

/**
 * One person's audit: the reconcile planner run on the group exactly as gather would hand it over,
 * plus what the planner has no finding for (a member lacking a link; a CRM user's two Supabase ids
 * when Supabase cannot be read). Pure.
 */
export function evaluatePerson(group: PersonGroup | OversizedGroup, options: EvaluateOptions): PersonEvaluation {
  if ('oversized' in group) return oversized(group);
  const plan = planReconcile({
    origin: group.origin,
    records: group.records,
    absent: group.absent,
    platforms: options.platforms,
    required: options.required,
    conflictPolicy: options.conflictPolicy ?? 'newest',
  });
  const records = group.records.map((entry) => entry.record).filter((record) => options.platforms.includes(record.platform));
  const issues: AuditIssue[] = [
    ...plan.findings,
    ...missingLinks(plan.patches),
    ...(options.scanned.includes('supabase') ? [] : supabaseIdMismatches(records)),
  ];
  const crm = plan.members.crm;
  return {
    personKey: crm === undefined ? formatRecordKey(group.origin) : formatRecordKey({ platform: 'crm', id: crm }),
    userId: crm ?? null,
    origin: group.origin,
    members: plan.members,
    records,
    patches: plan.patches,
    issues,
    platformsInSync: inSync(Object.keys(plan.members) as Platform[], plan.patches, issues),
  };
}

function oversized(group: PersonGroup): PersonEvaluation {
  return {
    personKey: formatRecordKey(group.origin),
    userId: null,
    origin: group.origin,
    members: {},
    records: group.records.map((entry) => entry.record),
    patches: [],
    // gather stopped at its bound: `records` is how many it had reached by then.
    issues: [{ kind: 'oversized', platform: group.origin.platform, recordId: group.origin.id, records: group.records.length }],
    platformsInSync: [],
  };
}

/**
 * A link the planner sets where the record holds nothing at all for that platform. Every other
 * write (a different id, a second id, an unreadable entry, a loser's back-reference) already comes
 * with a finding that explains it.
 */
function missingLinks(patches: readonly LinkPatch[]): MissingLinkIssue[] {
  return patches.flatMap(({ record, set }) =>
    PLATFORMS.flatMap((linkPlatform): MissingLinkIssue[] => {
      const linkId = set[linkPlatform];
      if (linkId === undefined || !holdsNothingFor(record, linkPlatform)) return [];
      return [{ kind: 'missing-link', platform: record.platform, recordId: record.id, linkPlatform, linkId }];
    }),
  );
}

function holdsNothingFor(record: PersonRecord, platform: Platform): boolean {
  return (
    record.links[platform] === undefined &&
    (record.extraLinks[platform]?.length ?? 0) === 0 &&
    !record.unreadable.some((entry) => entry.platform === platform)
  );
}

/** The CRM adapter reports a `supabaseId` that differs from `externalIds.supabase` as an extra Supabase id. */
function supabaseIdMismatches(records: readonly PersonRecord[]): SupabaseIdMismatchIssue[] {
  return records.flatMap((record): SupabaseIdMismatchIssue[] => {
    const mapId = record.links.supabase;
    const extra = record.extraLinks.supabase ?? [];
    if (record.platform !== 'crm' || mapId === undefined || extra.length === 0) return [];
    return [{ kind: 'supabase-id-mismatch', platform: 'crm', recordId: record.id, mapId, supabaseIds: [...extra] }];
  });
}

function inSync(members: readonly Platform[], patches: readonly LinkPatch[], issues: readonly AuditIssue[]): Platform[] {
  const touched = new Set<Platform>([...patches.map((patch) => patch.record.platform), ...issues.map((issue) => issue.platform)]);
  return PLATFORMS.filter((platform) => members.includes(platform) && !touched.has(platform));
}
