import { describe, expect, it } from 'vitest';
import { evaluatePerson } from '../../../src/audit/evaluate.ts';
import { groupRecords } from './group-records.ts';
import { breakerDecision, planOrphanCleanup } from '../../../src/audit/orphan-cleanup.ts';
import type { Platform } from '../../../src/ids/index.ts';
import type { PersonRecord } from '../../../src/platforms/person-record.ts';
import { idOf, personRecord } from '../reconcile/builders.ts';

const SCANNED: readonly Platform[] = ['crm', 'omnistack', 'bookmaster'];

function cleanup(records: readonly PersonRecord[]) {
  return planOrphanCleanup([...groupRecords(records, SCANNED)].map((group) => evaluatePerson(group, { platforms: SCANNED, scanned: SCANNED })));
}

describe('planOrphanCleanup', () => {
  it('unsets a platform whose only claim is gone', () => {
    const crm = personRecord('crm', 1, { links: { omnistack: idOf('omnistack', 9) } });
    const plan = cleanup([crm]);
    expect(plan.references).toEqual([
      { personKey: `crm:${crm.id}`, platform: 'crm', recordId: crm.id, claimedPlatform: 'omnistack', claimedId: idOf('omnistack', 9) },
    ]);
    expect(plan.removals.map((removal) => removal.change)).toEqual([{ set: {}, unset: ['omnistack'] }]);
  });

  it('keeps the one existing id when an orphan sits beside it', () => {
    const omni = personRecord('omnistack', 1, { links: { crm: idOf('crm', 1) }, extraLinks: { crm: [idOf('crm', 9)] } });
    const crm = personRecord('crm', 1, { links: { omnistack: omni.id } });
    const plan = cleanup([crm, omni]);
    expect(plan.removals.map((removal) => [removal.record.id, removal.change])).toEqual([[omni.id, { set: { crm: crm.id }, unset: [] }]]);
  });

  it('leaves an orphan beside two existing ids to reconcile (a conflict)', () => {
    const omni = personRecord('omnistack', 1, { links: { crm: idOf('crm', 1) }, extraLinks: { crm: [idOf('crm', 2), idOf('crm', 9)] } });
    const plan = cleanup([personRecord('crm', 1), personRecord('crm', 2), omni]);
    expect(plan.removals).toEqual([]);
    expect(plan.skipped.map((reference) => reference.claimedId)).toEqual([idOf('crm', 9)]);
  });

  it('never touches claims on platforms that were not scanned', () => {
    expect(cleanup([personRecord('crm', 1, { links: { supabase: idOf('supabase', 9) } })]).references).toEqual([]);
  });
});

describe('breakerDecision', () => {
  it('trips only above the fraction', () => {
    expect(breakerDecision(5, 100, 0.05)).toMatchObject({ trip: false, fraction: 0.05 });
    expect(breakerDecision(6, 100, 0.05)).toMatchObject({ trip: true, fraction: 0.06 });
    expect(breakerDecision(0, 0, 0.05)).toMatchObject({ trip: false, fraction: 0 });
    expect(breakerDecision(1, 1, 1)).toMatchObject({ trip: false });
  });
});
