import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../../src/ids/index.ts';
import type { Platform } from '../../../src/ids/index.ts';
import type { PersonRecord } from '../../../src/platforms/person-record.ts';
import { planReconcile } from '../../../src/reconcile/plan.ts';
import type { Finding, PlanInput } from '../../../src/reconcile/plan-model.ts';
import { planInputArb } from './arbitraries.ts';

/* Properties of the plan's shape: well-formed patches, complete findings, a stable order. */

const RUNS = { numRuns: 300 };
const KIND_ORDER: readonly Finding['kind'][] = ['conflict', 'orphan', 'malformed-id', 'missing'];

function syncedRecords(input: PlanInput): PersonRecord[] {
  const byKey = new Map(input.records.map(({ record }) => [`${record.platform}:${record.id}`, record]));
  return [...byKey.values()].filter((record) => input.platforms.includes(record.platform));
}

function rank(platform: Platform): number {
  return PLATFORMS.indexOf(platform);
}

describe('planReconcile: the shape of a plan', () => {
  it('patches are real, well-formed differences on synced platforms only, one per record, in order', () => {
    fc.assert(
      fc.property(planInputArb, (input) => {
        const plan = planReconcile(input);
        const inputRecords = input.records.map((entry) => entry.record);
        const sortKeys = plan.patches.map((patch) => [rank(patch.record.platform), patch.record.id] as const);
        expect(sortKeys).toEqual([...sortKeys].sort((left, right) => left[0] - right[0] || (left[1] < right[1] ? -1 : 1)));
        expect(new Set(plan.patches.map((patch) => patch.record)).size).toBe(plan.patches.length);
        for (const patch of plan.patches) {
          const setPlatforms = PLATFORMS.filter((platform) => platform in patch.set);
          const touched = [...setPlatforms, ...patch.unset];
          expect(inputRecords).toContain(patch.record);
          expect(touched.length).toBeGreaterThan(0);
          expect(new Set(touched).size).toBe(touched.length);
          expect(Object.keys(patch.rules).sort()).toEqual([...touched].sort());
          for (const platform of touched) {
            expect(input.platforms).toContain(platform);
            expect(platform).not.toBe(patch.record.platform);
          }
          for (const platform of setPlatforms) expect(patch.set[platform]).toBe(plan.members[platform]);
        }
      }),
      RUNS,
    );
  });

  it('reports exactly the conflicts, orphans, malformed entries and missing platforms there are', () => {
    fc.assert(
      fc.property(planInputArb, (input) => {
        const { findings } = planReconcile(input);
        const records = syncedRecords(input);
        const absent = new Set([...input.absent, input.origin].map((key) => `${key.platform}:${key.id}`));
        records.forEach((record) => absent.delete(`${record.platform}:${record.id}`));
        const orphans = records.flatMap((record) =>
          PLATFORMS.flatMap((platform) =>
            [...new Set([record.links[platform], ...(record.extraLinks[platform] ?? [])])]
              .filter((id) => id !== undefined && absent.has(`${platform}:${id}`))
              .map((id) => `${record.id}>${platform}:${id}`),
          ),
        );
        const counts = (platform: Platform): number => records.filter((record) => record.platform === platform).length;
        const ofKind = <K extends Finding['kind']>(kind: K): Extract<Finding, { kind: K }>[] =>
          findings.filter((finding): finding is Extract<Finding, { kind: K }> => finding.kind === kind);

        const contested = PLATFORMS.filter((platform) => counts(platform) > 1);
        expect(ofKind('conflict').map((finding) => finding.platform)).toEqual(contested);
        expect(ofKind('missing').map((finding) => finding.platform)).toEqual(
          PLATFORMS.filter((platform) => input.platforms.includes(platform) && counts(platform) === 0),
        );
        expect(ofKind('malformed-id')).toHaveLength(records.reduce((sum, record) => sum + record.unreadable.length, 0));
        const reported = ofKind('orphan').map((finding) => `${finding.recordId}>${finding.claimedPlatform}:${finding.claimedId}`);
        expect(reported.sort()).toEqual(orphans.sort());
        const kindRanks = findings.map((finding) => KIND_ORDER.indexOf(finding.kind));
        expect(kindRanks).toEqual([...kindRanks].sort((left, right) => left - right));
      }),
      RUNS,
    );
  });
});
