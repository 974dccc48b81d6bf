import { PLATFORMS } from '../ids/index.ts';
import type { Links, Platform } from '../ids/index.ts';
import type { LinkChange, PersonRecord } from '../platforms/person-record.ts';
import { claimedIds } from '../platforms/person-record.ts';
import type { PersonEvaluation } from './audit-model.ts';

/** A claim on a record that no longer exists (the planner's orphan finding). */
export interface OrphanReference {
  readonly personKey: string;
  readonly platform: Platform;
  readonly recordId: string;
  readonly claimedPlatform: Platform;
  readonly claimedId: string;
}

/** One record's removals: for each platform with orphans, keep its one existing id or drop them all. */
export interface OrphanRemoval {
  readonly personKey: string;
  readonly record: PersonRecord;
  readonly change: LinkChange;
  readonly references: readonly OrphanReference[];
}

export interface CleanupPlan {
  readonly references: readonly OrphanReference[];
  readonly removals: readonly OrphanRemoval[];
  /** Orphans beside two or more existing ids for the same platform: a conflict for reconcile, not cleanup. */
  readonly skipped: readonly OrphanReference[];
}

/**
 * What cleanup-orphans would change, from the audit pass. `set` and `unset` replace everything a
 * record stores for a platform, so a platform whose orphan sits beside one existing id is `set` to
 * that id (the orphan goes, the link stays); a platform with only orphans is `unset`. Pure.
 */
export function planOrphanCleanup(people: Iterable<PersonEvaluation>): CleanupPlan {
  const references: OrphanReference[] = [];
  const removals: OrphanRemoval[] = [];
  const skipped: OrphanReference[] = [];
  for (const person of people) {
    for (const record of person.records) {
      const own = orphansOf(person, record);
      if (own.length === 0) continue;
      references.push(...own);
      const removal = removalFor(person.personKey, record, own);
      skipped.push(...own.filter((reference) => !removal.references.includes(reference)));
      if (removal.references.length > 0) removals.push(removal);
    }
  }
  return { references, removals, skipped };
}

function orphansOf(person: PersonEvaluation, record: PersonRecord): OrphanReference[] {
  return person.issues.flatMap((issue): OrphanReference[] =>
    issue.kind === 'orphan' && issue.platform === record.platform && issue.recordId === record.id
      ? [{
        personKey: person.personKey,
        platform: issue.platform,
        recordId: issue.recordId,
        claimedPlatform: issue.claimedPlatform,
        claimedId: issue.claimedId,
      }]
      : [],
  );
}

function removalFor(personKey: string, record: PersonRecord, orphans: readonly OrphanReference[]): OrphanRemoval {
  const set: Links = {};
  const unset: Platform[] = [];
  const removed: OrphanReference[] = [];
  for (const platform of PLATFORMS) {
    const gone = orphans.filter((reference) => reference.claimedPlatform === platform);
    if (gone.length === 0) continue;
    const existing = [...new Set(claimedIds(record, platform))].filter((id) => !gone.some((reference) => reference.claimedId === id));
    if (existing.length > 1) continue;
    const [kept] = existing;
    if (kept === undefined) unset.push(platform);
    else set[platform] = kept;
    removed.push(...gone);
  }
  return { personKey, record, change: { set, unset }, references: removed };
}

export interface BreakerDecision {
  readonly trip: boolean;
  /** The share of all links the run would remove. */
  readonly fraction: number;
  readonly maxFraction: number;
  readonly references: number;
  readonly links: number;
}

/** The circuit breaker: a run that would remove more than `maxFraction` of all links trips it. */
export function breakerDecision(references: number, links: number, maxFraction: number): BreakerDecision {
  const fraction = links === 0 ? 0 : references / links;
  return { trip: fraction > maxFraction, fraction, maxFraction, references, links };
}
