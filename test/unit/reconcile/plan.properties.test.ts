import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../../src/ids/index.ts';
import type { Platform } from '../../../src/ids/index.ts';
import type { PersonRecord } from '../../../src/platforms/person-record.ts';
import { planReconcile } from '../../../src/reconcile/plan.ts';
import type { Plan, PlanInput } from '../../../src/reconcile/plan-model.ts';
import { consistentInputArb, LEAK_MARKER, planInputArb } from './arbitraries.ts';
import { applyPlan } from './builders.ts';

/*
 * Properties of the planner over generated people. The oracles here are written from the reconciliation rules
 * directly (which records are candidates, who should win, what a write may touch), not from the
 * planner's code.
 */

const RUNS = { numRuns: 300 };

function uniqueSynced(input: PlanInput): PersonRecord[] {
  const byKey = new Map(input.records.map(({ record }) => [`${record.platform}:${record.id}`, record]));
  return [...byKey.values()].filter((record) => input.platforms.includes(record.platform));
}

function candidatesOf(input: PlanInput, platform: Platform): PersonRecord[] {
  return uniqueSynced(input).filter((record) => record.platform === platform);
}

function hasConflict(input: PlanInput): boolean {
  return PLATFORMS.some((platform) => candidatesOf(input, platform).length > 1);
}

function claims(record: PersonRecord, platform: Platform): string[] {
  const link = record.links[platform];
  return [...(link === undefined ? [] : [link]), ...(record.extraLinks[platform] ?? [])];
}

/** Everything a record stores for one platform, for comparing before and after a write. */
function storedFor(record: PersonRecord, platform: Platform): unknown {
  return {
    link: record.links[platform],
    extra: record.extraLinks[platform],
    unreadable: record.unreadable.filter((entry) => entry.platform === platform),
  };
}

const CLEARED = { link: undefined, extra: undefined, unreadable: [] };

function isMember(plan: Plan, record: PersonRecord): boolean {
  return plan.members[record.platform] === record.id;
}

describe('planReconcile properties', () => {
  it('converges: after applying its patches, planning again writes nothing and decides the same', () => {
    fc.assert(
      fc.property(planInputArb, (input) => {
        const plan = planReconcile(input);
        const again = planReconcile(applyPlan(input, plan));
        expect(again.patches).toEqual([]);
        expect(again.members).toEqual(plan.members);
      }),
      RUNS,
    );
  });

  it('after applying, every member links every other synced member and nothing else changed', () => {
    fc.assert(
      fc.property(planInputArb, (input) => {
        const plan = planReconcile(input);
        const applied = applyPlan(input, plan);
        const writes = !(input.conflictPolicy === 'manual' && hasConflict(input));
        input.records.forEach(({ record: before }, index) => {
          const after = applied.records[index]?.record;
          if (after === undefined) throw new Error('applyPlan dropped a record');
          const unattributed = (record: PersonRecord): unknown => record.unreadable.filter((entry) => entry.platform === null);
          expect(unattributed(after)).toEqual(unattributed(before));
          for (const platform of PLATFORMS) {
            const member = plan.members[platform];
            const synced = input.platforms.includes(platform) && input.platforms.includes(before.platform);
            if (!writes || !synced || member === undefined || platform === before.platform) {
              expect(storedFor(after, platform)).toEqual(storedFor(before, platform));
            } else if (isMember(plan, before)) {
              expect(storedFor(after, platform)).toEqual({ ...CLEARED, link: member });
            } else if (claims(before, platform).includes(member)) {
              expect(storedFor(after, platform)).toEqual(CLEARED);
            } else {
              expect(storedFor(after, platform)).toEqual(storedFor(before, platform));
            }
          }
        });
      }),
      RUNS,
    );
  });

  it("under 'manual', any conflict means no patches at all and no winner", () => {
    fc.assert(
      fc.property(planInputArb.filter(hasConflict), (input) => {
        const plan = planReconcile({ ...input, conflictPolicy: 'manual' });
        expect(plan.patches).toEqual([]);
        const conflicts = plan.findings.filter((finding) => finding.kind === 'conflict');
        expect(conflicts.length).toBeGreaterThan(0);
        for (const conflict of conflicts) {
          expect(conflict.winner).toBeNull();
          expect(plan.members[conflict.platform]).toBeUndefined();
        }
      }),
      RUNS,
    );
  });

  it("under 'newest', the winner is the most recently created candidate, ties to the greater id", () => {
    fc.assert(
      fc.property(planInputArb, (input) => {
        const plan = planReconcile({ ...input, conflictPolicy: 'newest' });
        for (const platform of input.platforms) {
          const candidates = candidatesOf(input, platform);
          const latest = Math.max(...candidates.map((record) => record.createdAt.getTime()));
          const expected = candidates
            .filter((record) => record.createdAt.getTime() === latest)
            .map((record) => record.id)
            .sort()
            .at(-1);
          expect(plan.members[platform]).toBe(expected);
        }
      }),
      RUNS,
    );
  });

  it('does not depend on the order of the input records and absent keys, nor on repeated records', () => {
    const permutationArb = <T>(items: readonly T[]): fc.Arbitrary<T[]> =>
      fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length });
    const shuffledArb = planInputArb.chain((input) =>
      fc.record({
        input: fc.constant(input),
        records: permutationArb(input.records),
        absent: permutationArb(input.absent),
        repeat: fc.nat(),
      }),
    );
    fc.assert(
      fc.property(shuffledArb, ({ input, records, absent, repeat }) => {
        const repeated = records[repeat % Math.max(records.length, 1)];
        const reordered = { ...input, records: repeated === undefined ? records : [...records, repeated], absent };
        expect(planReconcile(reordered)).toEqual(planReconcile(input));
      }),
      RUNS,
    );
  });

  it('never carries a raw malformed value or an email into a finding', () => {
    fc.assert(
      fc.property(planInputArb, (input) => {
        const { findings } = planReconcile(input);
        expect(JSON.stringify(findings)).not.toContain(LEAK_MARKER);
        expect(findings.filter((finding) => 'value' in finding)).toEqual([]);
      }),
      RUNS,
    );
  });

  it('writes a consistent person nothing, whatever else the records hold', () => {
    fc.assert(
      fc.property(consistentInputArb, (input) => {
        const plan = planReconcile(input);
        expect(plan.patches).toEqual([]);
        expect(plan.findings.filter((finding) => finding.kind === 'conflict')).toEqual([]);
      }),
      RUNS,
    );
  });
});
