import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../../src/ids/index.ts';
import type { Links, Platform } from '../../../src/ids/index.ts';
import type { UnreadableLink } from '../../../src/platforms/person-record.ts';
import { planReconcile } from '../../../src/reconcile/plan.ts';
import type { LinkPatch, PlanInput } from '../../../src/reconcile/plan-model.ts';
import { gathered, idOf, keyOf, linksExcept, minutesIn, personRecord, planInput } from './builders.ts';

/* Orphans, malformed ids, missing platforms, the CRM's two Supabase fields, and what is left alone. */

const CRM = idOf('crm', 1);
const OMNI = idOf('omnistack', 1);
const SUPA = idOf('supabase', 1);
const BM = idOf('bookmaster', 1);
const GONE_OMNI = idOf('omnistack', 9);
const THREE = ['crm', 'omnistack', 'bookmaster'] as const;

function changes(patches: readonly LinkPatch[]): unknown[] {
  return patches.map((patch) => ({ record: patch.record.id, set: patch.set, unset: patch.unset }));
}

/** Deep-freezes an input so that any mutation by the planner throws. */
function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    Object.values(value).forEach((child) => frozen(child));
    Object.freeze(value);
  }
  return value;
}

describe('planReconcile: references to deleted records', () => {
  const crm = personRecord('crm', 1, { links: { omnistack: GONE_OMNI, bookmaster: BM } });
  const bookmaster = personRecord('bookmaster', 1, { links: { crm: CRM, omnistack: GONE_OMNI } });

  it('reports each orphan reference, the missing platform, and unsets nothing', () => {
    const records = [gathered(crm, 'origin'), gathered(bookmaster)];
    const plan = planReconcile(planInput(records, { platforms: THREE, absent: [keyOf('omnistack', 9)] }));

    expect(plan.patches).toEqual([]);
    expect(plan.findings).toEqual([
      { kind: 'orphan', platform: 'crm', recordId: CRM, claimedPlatform: 'omnistack', claimedId: GONE_OMNI },
      { kind: 'orphan', platform: 'bookmaster', recordId: BM, claimedPlatform: 'omnistack', claimedId: GONE_OMNI },
      { kind: 'missing', platform: 'omnistack' },
    ]);
  });

  it('works from an origin that no longer exists, and counts it as absent', () => {
    const records = [gathered(crm), gathered(bookmaster)];
    const plan = planReconcile(planInput(records, { platforms: THREE, origin: keyOf('omnistack', 9) }));

    expect(plan.members).toEqual({ crm: CRM, bookmaster: BM });
    expect(plan.patches).toEqual([]);
    expect(plan.findings.map((finding) => finding.kind)).toEqual(['orphan', 'orphan', 'missing']);
  });

  it('replaces an orphan link when the platform has a member', () => {
    const omni = personRecord('omnistack', 1, { links: { crm: CRM } });
    const plan = planReconcile(planInput([gathered(crm, 'origin'), gathered(omni, 'email-match'), gathered(bookmaster)], {
      platforms: THREE,
      absent: [keyOf('omnistack', 9)],
    }));

    expect(changes(plan.patches)).toEqual([
      { record: CRM, set: { omnistack: OMNI }, unset: [] },
      { record: OMNI, set: { bookmaster: BM }, unset: [] },
      { record: BM, set: { omnistack: OMNI }, unset: [] },
    ]);
    expect(plan.findings.filter((finding) => finding.kind === 'orphan')).toHaveLength(2);
  });

  it('reports a platform missing only when it is required, for every subset of required platforms, and plans the same writes', () => {
    const records = [gathered(personRecord('crm', 1)), gathered(personRecord('omnistack', 1), 'email-match')];
    const everyRequired = PLATFORMS.reduce<Platform[][]>((subsets, platform) => [...subsets, ...subsets.map((subset) => [...subset, platform])], [[]]);
    const unrequired = planReconcile(planInput(records));
    for (const required of everyRequired) {
      const plan = planReconcile(planInput(records, { required }));
      const missing = plan.findings.filter((finding) => finding.kind === 'missing').map((finding) => finding.platform);
      expect(missing).toEqual(PLATFORMS.filter((platform) => required.includes(platform) && platform !== 'crm' && platform !== 'omnistack'));
      expect(plan.patches).toEqual(unrequired.patches);
    }
    expect(everyRequired).toHaveLength(2 ** PLATFORMS.length);
  });

  it('reports nothing for an empty gather but the missing platforms', () => {
    const plan = planReconcile(planInput([], { origin: keyOf('crm', 1) }));

    const missing = PLATFORMS.map((platform) => ({ kind: 'missing', platform }));
    expect(plan).toEqual({ members: {}, patches: [], findings: missing });
  });
});

describe('planReconcile: malformed values', () => {
  const rawValues = [{ $ne: null }, 'crm_not-an-id', `${'f'.repeat(10_240)}`];
  const unreadable: UnreadableLink[] = [
    { platform: 'supabase', value: rawValues[0], reason: 'not-a-string' },
    { platform: null, value: rawValues[1], reason: 'bad-format' },
    { platform: 'bookmaster', value: rawValues[2], reason: 'too-long' },
  ];
  const crm = personRecord('crm', 1, { links: { supabase: SUPA }, unreadable });
  const supabase = personRecord('supabase', 1, { links: { crm: CRM } });

  it('gives one finding each, without the value, and copies nothing', () => {
    const plan = planReconcile(planInput([gathered(crm, 'origin'), gathered(supabase)]));

    expect(plan.findings.filter((finding) => finding.kind === 'malformed-id')).toEqual([
      { kind: 'malformed-id', platform: 'crm', recordId: CRM, claimedPlatform: 'supabase', reason: 'not-a-string' },
      { kind: 'malformed-id', platform: 'crm', recordId: CRM, claimedPlatform: null, reason: 'bad-format' },
      { kind: 'malformed-id', platform: 'crm', recordId: CRM, claimedPlatform: 'bookmaster', reason: 'too-long' },
    ]);
    const written = JSON.stringify(plan.patches.map((patch) => patch.set)) + JSON.stringify(plan.findings);
    expect(written).not.toContain('$ne');
    expect(written).not.toContain('not-an-id');
    expect(written).not.toContain('ffffffffff');
  });

  it('replaces an unreadable entry beside a correct link when its platform has a member, and leaves the others', () => {
    const plan = planReconcile(planInput([gathered(crm, 'origin'), gathered(supabase)]));

    expect(changes(plan.patches)).toEqual([{ record: CRM, set: { supabase: SUPA }, unset: [] }]);
  });
});

describe("planReconcile: the CRM's supabaseId differs from externalIds.supabase", () => {
  const OTHER_SUPA = idOf('supabase', 2);
  const crm = personRecord('crm', 1, { links: { supabase: SUPA }, extraLinks: { supabase: [OTHER_SUPA] } });
  const first = personRecord('supabase', 1, { createdAt: minutesIn(1), links: { crm: CRM } });
  const second = personRecord('supabase', 2, { createdAt: minutesIn(2), links: { crm: CRM } });
  const base = (records: PlanInput['records'], absent: PlanInput['absent']): PlanInput =>
    planInput([gathered(crm, 'origin'), ...records], { platforms: ['crm', 'supabase'], absent });

  it('only externalIds.supabase exists: it wins and the patch makes both fields equal to it', () => {
    const plan = planReconcile(base([gathered(first)], [keyOf('supabase', 2)]));

    expect(changes(plan.patches)).toEqual([{ record: CRM, set: { supabase: SUPA }, unset: [] }]);
    expect(plan.findings).toEqual([
      { kind: 'orphan', platform: 'crm', recordId: CRM, claimedPlatform: 'supabase', claimedId: OTHER_SUPA },
    ]);
  });

  it('only supabaseId exists: it wins', () => {
    const plan = planReconcile(base([gathered(second)], [keyOf('supabase', 1)]));

    expect(plan.members.supabase).toBe(OTHER_SUPA);
    expect(changes(plan.patches)).toEqual([{ record: CRM, set: { supabase: OTHER_SUPA }, unset: [] }]);
    expect(plan.findings.map((finding) => finding.kind)).toEqual(['orphan']);
  });

  it('both exist: a conflict, the newer wins and the loser lets go of the CRM user', () => {
    const plan = planReconcile(base([gathered(first), gathered(second)], []));

    expect(plan.findings).toEqual([
      { kind: 'conflict', platform: 'supabase', candidates: [SUPA, OTHER_SUPA], winner: OTHER_SUPA, policy: 'newest' },
    ]);
    expect(changes(plan.patches)).toEqual([
      { record: CRM, set: { supabase: OTHER_SUPA }, unset: [] },
      { record: SUPA, set: {}, unset: ['crm'] },
    ]);
  });

  it('both exist under manual: nothing is written', () => {
    const plan = planReconcile({ ...base([gathered(first), gathered(second)], []), conflictPolicy: 'manual' });

    expect(plan.patches).toEqual([]);
    expect(plan.findings).toMatchObject([{ kind: 'conflict', winner: null }]);
  });

  it('neither exists: two orphans, supabase missing, nothing written', () => {
    const plan = planReconcile(base([], [keyOf('supabase', 1), keyOf('supabase', 2)]));

    expect(plan.patches).toEqual([]);
    expect(plan.findings.map((finding) => finding.kind)).toEqual(['orphan', 'orphan', 'missing']);
  });
});

describe('planReconcile: what is left alone', () => {
  it('never decides, writes or reports on platforms that are not synced', () => {
    const members: Links = { crm: CRM, omnistack: OMNI, bookmaster: BM };
    const strayLink = idOf('supabase', 5);
    const records = THREE.map((platform) =>
      gathered(personRecord(platform, 1, { links: { ...linksExcept(platform, members), supabase: strayLink } })),
    );
    const junk: UnreadableLink = { platform: 'crm', value: 'junk', reason: 'bad-format' };
    const badSupabase = gathered(personRecord('supabase', 1, { unreadable: [junk] }));
    const plan = planReconcile(planInput([...records, badSupabase], { platforms: THREE, absent: [keyOf('supabase', 5)] }));

    expect(plan.members).toEqual(members);
    expect(plan.patches).toEqual([]);
    expect(plan.findings.map((finding) => [finding.kind, finding.platform])).toEqual([
      ['orphan', 'crm'],
      ['orphan', 'omnistack'],
      ['orphan', 'bookmaster'],
    ]);
  });

  it('keeps self-references and links to platforms without a member as they are', () => {
    const selfReference: UnreadableLink = { platform: 'omnistack', value: 'omni_x', reason: 'self-reference' };
    const omni = personRecord('omnistack', 1, {
      links: { crm: CRM, bookmaster: idOf('bookmaster', 4) },
      unreadable: [selfReference],
    });
    const crm = personRecord('crm', 1, { links: { omnistack: OMNI } });
    const plan = planReconcile(planInput([gathered(crm, 'origin'), gathered(omni)], { platforms: THREE }));

    expect(plan.patches).toEqual([]);
    expect(plan.findings.map((finding) => finding.kind)).toEqual(['malformed-id', 'missing']);
  });

  it('does not modify its input', () => {
    const crm = personRecord('crm', 1, { links: { omnistack: GONE_OMNI }, extraLinks: { omnistack: [OMNI] } });
    const records = [gathered(crm, 'origin'), gathered(personRecord('omnistack', 1))];
    const input = frozen(planInput(records, { absent: [keyOf('omnistack', 9)] }));

    expect(() => planReconcile(input)).not.toThrow();
    expect(planReconcile(input).patches).toHaveLength(2);
  });
});
