import { PLATFORMS } from '../ids/index.ts';
import type { Platform } from '../ids/index.ts';
import { changedPlatforms } from '../reconcile/apply-plan.ts';
import type { LinkPatch } from '../reconcile/plan-model.ts';
import type { PersonEvaluation } from './audit-model.ts';

/** add: a link where there was none; replace: a different id; clean: same id, stray entries dropped; remove: unset. */
export const WRITE_KINDS = ['add', 'replace', 'clean', 'remove'] as const;
export type WriteKind = (typeof WRITE_KINDS)[number];

/**
 * One field a reconcile would change, in the shape reconcile records it in the ledger's
 * sync_writes (person, record, `links.<platform>`, before, after, rule), so that a dry run and
 * the repair that follows can be compared row for row.
 */
export interface PlannedWrite {
  readonly personKey: string;
  readonly platform: Platform;
  readonly recordId: string;
  readonly field: string;
  readonly before: string | null;
  readonly after: string | null;
  readonly kind: WriteKind;
  readonly rule: string;
}

export type WriteSummary = Partial<Record<Platform, Record<WriteKind, number>>>;

export function plannedWrites(people: readonly PersonEvaluation[]): PlannedWrite[] {
  return people.flatMap((person) => person.patches.flatMap((patch) => patchWrites(person.personKey, patch)));
}

function patchWrites(personKey: string, patch: LinkPatch): PlannedWrite[] {
  return changedPlatforms(patch).map((platform) => {
    const before = patch.record.links[platform] ?? null;
    const after = patch.set[platform] ?? null;
    return {
      personKey,
      platform: patch.record.platform,
      recordId: patch.record.id,
      field: `links.${platform}`,
      before,
      after,
      kind: writeKind(before, after),
      rule: patch.rules[platform] ?? 'unknown',
    };
  });
}

function writeKind(before: string | null, after: string | null): WriteKind {
  if (after === null) return 'remove';
  if (before === null) return 'add';
  return before === after ? 'clean' : 'replace';
}

/** Writes per system (the platform of the record written) and per kind; systems without writes are left out. */
export function summarizeWrites(writes: readonly PlannedWrite[]): WriteSummary {
  const summary: WriteSummary = {};
  for (const platform of PLATFORMS) {
    const own = writes.filter((write) => write.platform === platform);
    if (own.length === 0) continue;
    summary[platform] = Object.fromEntries(WRITE_KINDS.map((kind) => [kind, own.filter((write) => write.kind === kind).length])) as Record<WriteKind, number>;
  }
  return summary;
}
