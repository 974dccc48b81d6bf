import { PLATFORMS } from '../../ids/index.ts';
import type { Platform } from '../../ids/index.ts';
import type { PersonRecord } from '../../platforms/person-record.ts';
import type { DecisionRule, Finding, GatheredRecord, PlanInput } from '../plan-model.ts';
import { compareIds, compareRecords, recordKeyOf } from './order.ts';

type Reach = GatheredRecord['reachedBy'];
export type ConflictFinding = Extract<Finding, { kind: 'conflict' }>;

/** The one record decided for a platform, with the rule that made it the person's. */
export interface Member {
  readonly record: PersonRecord;
  readonly rule: DecisionRule;
}

export interface Decision {
  /** Synced platforms with a decided record; an undecided ('manual') conflict has none. */
  readonly members: ReadonlyMap<Platform, Member>;
  /** Records that lost a 'newest' conflict: their back-references are removed. */
  readonly losers: readonly PersonRecord[];
  readonly conflicts: readonly ConflictFinding[];
  /** Synced platforms with at least one candidate (decided or not): the others are 'missing'. */
  readonly contested: ReadonlySet<Platform>;
}

/** When gather reports one record more than once, the strongest way it was reached is kept. */
const REACH_STRENGTH: Readonly<Record<Reach, number>> = { origin: 2, 'id-claim': 1, 'email-match': 0 };

/** One entry per record, in PLATFORMS-then-id order, so input order cannot change the plan. */
export function uniqueRecords(records: readonly GatheredRecord[]): GatheredRecord[] {
  const byKey = new Map<string, GatheredRecord>();
  for (const gathered of records) {
    const key = recordKeyOf(gathered.record.platform, gathered.record.id);
    const kept = byKey.get(key);
    if (kept === undefined || REACH_STRENGTH[gathered.reachedBy] > REACH_STRENGTH[kept.reachedBy]) {
      byKey.set(key, gathered);
    }
  }
  return [...byKey.values()].sort((left, right) => compareRecords(left.record, right.record));
}

/** Decide: one record per synced platform; two or more existing candidates are a conflict. */
export function decideMembers(
  gathered: readonly GatheredRecord[],
  synced: readonly Platform[],
  policy: PlanInput['conflictPolicy'],
): Decision {
  const members = new Map<Platform, Member>();
  const losers: PersonRecord[] = [];
  const conflicts: ConflictFinding[] = [];
  const contested = new Set<Platform>();
  for (const platform of PLATFORMS.filter((candidate) => synced.includes(candidate))) {
    const candidates = gathered.filter((entry) => entry.record.platform === platform);
    const [only] = candidates;
    if (only === undefined) continue;
    contested.add(platform);
    if (candidates.length === 1) {
      members.set(platform, { record: only.record, rule: only.reachedBy });
      continue;
    }
    const records = candidates.map((entry) => entry.record);
    const winner = policy === 'newest' ? newest(records) : null;
    conflicts.push(conflictFinding(platform, records, winner, policy));
    if (winner === null) continue;
    members.set(platform, { record: winner, rule: 'newest-wins' });
    losers.push(...records.filter((record) => record !== winner));
  }
  return { members, losers, conflicts, contested };
}

function conflictFinding(
  platform: Platform,
  records: readonly PersonRecord[],
  winner: PersonRecord | null,
  policy: PlanInput['conflictPolicy'],
): ConflictFinding {
  const candidates = records.map((record) => record.id).sort(compareIds);
  return { kind: 'conflict', platform, candidates, winner: winner?.id ?? null, policy };
}

/**
 * The most recently created record. Equal times go to the greater id: for ObjectIds created in the
 * same second that is the later one, and for any id it is a choice that does not depend on order.
 */
function newest(records: readonly PersonRecord[]): PersonRecord | null {
  let best: PersonRecord | null = null;
  for (const record of records) {
    if (best === null || compareRecency(record, best) > 0) best = record;
  }
  return best;
}

function compareRecency(left: PersonRecord, right: PersonRecord): number {
  const leftTime = creationTime(left);
  const rightTime = creationTime(right);
  if (leftTime === rightTime) return compareIds(left.id, right.id);
  return leftTime > rightTime ? 1 : -1;
}

/** An unreadable creation time never wins: nothing shows that record to be the recent one. */
function creationTime(record: PersonRecord): number {
  const time = record.createdAt.getTime();
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}
