import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluatePerson } from '../../../src/audit/evaluate.ts';
import { groupRecords } from './group-records.ts';
import type { Platform, RecordKey } from '../../../src/ids/index.ts';
import { gatherPerson } from '../../../src/reconcile/gather.ts';
import { planReconcile } from '../../../src/reconcile/plan.ts';
import type { LinkPatch } from '../../../src/reconcile/plan-model.ts';
import { datasetArb, SCANNED } from './dataset-arbitraries.ts';
import { memorySources } from './memory-adapters.ts';

const keyText = (key: RecordKey): string => `${key.platform}:${key.id}`;
const sortedKeys = (keys: readonly RecordKey[]): string[] => keys.map(keyText).sort();
const patchShape = (patches: readonly LinkPatch[]) => patches.map(({ record, set, unset }) => ({ record: keyText(record), set, unset }));

/*
 * The audit's promise: what it reports for a person is what a reconcile of that person (enqueued
 * from the group's origin) would find and write. Both run the same planner, so it comes down to the
 * in-memory grouping handing the planner what gather would.
 */
describe('the audit agrees with gather + plan', () => {
  it('groups each person as gather does from the origin the audit enqueues', async () => {
    await fc.assert(
      fc.asyncProperty(datasetArb, async (records) => {
        const sources = memorySources(records, SCANNED);
        for (const group of groupRecords(records, SCANNED)) {
          const gathered = await gatherPerson(sources, group.origin);
          expect(sortedKeys(gathered.records.map((entry) => entry.record))).toEqual(sortedKeys(group.records.map((entry) => entry.record)));
          expect(sortedKeys(gathered.absent)).toEqual(sortedKeys(group.absent));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('plans the same writes and findings as reconcile would', async () => {
    const platforms: Platform[] = ['crm', 'omnistack', 'bookmaster'];
    await fc.assert(
      fc.asyncProperty(datasetArb, fc.constantFrom<'newest' | 'manual'>('newest', 'manual'), async (records, conflictPolicy) => {
        const sources = memorySources(records, SCANNED);
        for (const group of groupRecords(records, SCANNED)) {
          const evaluation = evaluatePerson(group, { platforms, scanned: SCANNED, conflictPolicy });
          const plan = planReconcile({ origin: group.origin, ...(await gatherPerson(sources, group.origin)), platforms, conflictPolicy });
          expect(patchShape(evaluation.patches)).toEqual(patchShape(plan.patches));
          // The planner's findings come first, then what only the audit reports.
          expect(evaluation.issues.slice(0, plan.findings.length)).toEqual(plan.findings);
          expect(evaluation.issues.slice(plan.findings.length).map((issue) => issue.kind)).not.toContain('orphan');
          expect(evaluation.members).toEqual(plan.members);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('puts every scanned record in a group, and starts a group only from a record no earlier group reached', () => {
    fc.assert(
      fc.property(datasetArb, (records) => {
        const groups = [...groupRecords(records, SCANNED)];
        const grouped = new Set(groups.flatMap((group) => group.records.map((entry) => keyText(entry.record))));
        expect([...grouped].sort()).toEqual(records.map(keyText).sort());
        groups.forEach((group, at) => {
          const earlier = new Set(groups.slice(0, at).flatMap((other) => other.records.map((entry) => keyText(entry.record))));
          expect(earlier.has(keyText(group.origin))).toBe(false);
        });
      }),
    );
  });
});
