import { describe, expect, it } from 'vitest';
import type { Links } from '../../../src/ids/index.ts';
import { planReconcile } from '../../../src/reconcile/plan.ts';
import type { Finding, LinkPatch } from '../../../src/reconcile/plan-model.ts';
import { gathered, idOf, keyOf, linksExcept, minutesIn, personRecord, planInput } from './builders.ts';

/* The planner (validate, decide, plan), one case at a time. */

const CRM = idOf('crm', 1);
const OMNI = idOf('omnistack', 1);
const SUPA = idOf('supabase', 1);
const BM = idOf('bookmaster', 1);
const ALL: Links = { crm: CRM, omnistack: OMNI, supabase: SUPA, bookmaster: BM };
const SHARED_EMAIL = 'ana@example.com';

/** A compact view of a patch: which record, what it sets and unsets, and why. */
function summary(patch: LinkPatch): unknown {
  return { record: `${patch.record.platform}:${patch.record.id}`, set: patch.set, unset: patch.unset, rules: patch.rules };
}

function kinds(findings: readonly Finding[]): string[] {
  return findings.map((finding) => finding.kind);
}

describe('planReconcile: linking a person', () => {
  it('links a CRM user without links and three users found by email, both ways, by email-match', () => {
    const crm = personRecord('crm', 1, { email: SHARED_EMAIL });
    const others = (['omnistack', 'supabase', 'bookmaster'] as const).map((platform) =>
      gathered(personRecord(platform, 1, { email: SHARED_EMAIL }), 'email-match'),
    );
    const plan = planReconcile(planInput([gathered(crm, 'origin'), ...others]));

    expect(plan.members).toEqual(ALL);
    expect(plan.findings).toEqual([]);
    expect(plan.patches.map((patch) => patch.record.platform)).toEqual(['crm', 'omnistack', 'supabase', 'bookmaster']);
    for (const patch of plan.patches) {
      const expected = linksExcept(patch.record.platform, ALL);
      expect(patch.set).toEqual(expected);
      expect(Object.keys(patch.set)).toEqual(Object.keys(expected));
      expect(patch.unset).toEqual([]);
      expect(Object.values(patch.rules)).toEqual(Object.keys(expected).map(() => 'email-match'));
    }
  });

  it('writes exactly the one missing link', () => {
    const records = (['crm', 'omnistack', 'supabase', 'bookmaster'] as const).map((platform) => {
      const links = linksExcept(platform, ALL);
      if (platform === 'bookmaster') delete links.supabase;
      return gathered(personRecord(platform, 1, { links }), platform === 'crm' ? 'origin' : 'id-claim');
    });
    const plan = planReconcile(planInput(records));

    expect(plan.patches.map(summary)).toEqual([
      { record: `bookmaster:${BM}`, set: { supabase: SUPA }, unset: [], rules: { supabase: 'id-claim' } },
    ]);
    expect(plan.findings).toEqual([]);
  });

  it('writes nothing for a consistent person', () => {
    const records = (['crm', 'omnistack', 'supabase', 'bookmaster'] as const).map((platform) =>
      gathered(personRecord(platform, 1, { links: linksExcept(platform, ALL), email: null })),
    );
    const plan = planReconcile(planInput(records, { origin: keyOf('supabase', 1) }));

    expect(plan).toEqual({ members: ALL, patches: [], findings: [] });
  });

  it('rates a link by its weaker end: id-claim beside the origin, email-match beside an email match', () => {
    const records = [
      gathered(personRecord('crm', 1, { links: { omnistack: OMNI } }), 'origin'),
      gathered(personRecord('omnistack', 1), 'id-claim'),
      gathered(personRecord('bookmaster', 1), 'email-match'),
    ];
    const plan = planReconcile(planInput(records, { platforms: ['crm', 'omnistack', 'bookmaster'] }));

    expect(plan.patches.map((patch) => patch.rules)).toEqual([
      { bookmaster: 'email-match' },
      { crm: 'id-claim', bookmaster: 'email-match' },
      { crm: 'email-match', omnistack: 'email-match' },
    ]);
  });

  it('keeps the strongest way a record was reached when gather reports it twice', () => {
    const omni = personRecord('omnistack', 1);
    const input = planInput(
      [gathered(personRecord('crm', 1), 'origin'), gathered(omni, 'email-match'), gathered(omni, 'id-claim')],
      { platforms: ['crm', 'omnistack'] },
    );
    const plan = planReconcile(input);

    expect(plan.patches.map(summary)).toEqual([
      { record: `crm:${CRM}`, set: { omnistack: OMNI }, unset: [], rules: { omnistack: 'id-claim' } },
      { record: `omnistack:${OMNI}`, set: { crm: CRM }, unset: [], rules: { crm: 'id-claim' } },
    ]);
  });

  it('carries the record as read in each patch, so its snapshot guards the write', () => {
    const crm = personRecord('crm', 1);
    const plan = planReconcile(planInput([gathered(crm, 'origin'), gathered(personRecord('bookmaster', 1))]));

    expect(plan.patches[0]?.record).toBe(crm);
  });
});

describe('planReconcile: conflicts', () => {
  const older = personRecord('omnistack', 1, {
    createdAt: minutesIn(1),
    links: { crm: CRM, bookmaster: idOf('bookmaster', 9) },
  });
  const newer = personRecord('omnistack', 2, { createdAt: minutesIn(2), links: { crm: CRM } });
  const crm = personRecord('crm', 1, { links: { omnistack: older.id } });
  const input = planInput([gathered(crm, 'origin'), gathered(older, 'id-claim'), gathered(newer, 'id-claim')], {
    platforms: ['crm', 'omnistack'],
  });

  it("newest: the newer OmniStack user wins, the loser's crm back-reference is unset, the conflict is recorded", () => {
    const plan = planReconcile(input);

    expect(plan.members).toEqual({ crm: CRM, omnistack: newer.id });
    expect(plan.findings).toEqual([
      { kind: 'conflict', platform: 'omnistack', candidates: [older.id, newer.id], winner: newer.id, policy: 'newest' },
    ]);
    expect(plan.patches.map(summary)).toEqual([
      { record: `crm:${CRM}`, set: { omnistack: newer.id }, unset: [], rules: { omnistack: 'newest-wins' } },
      { record: `omnistack:${older.id}`, set: {}, unset: ['crm'], rules: { crm: 'newest-wins' } },
    ]);
  });

  it('manual: records the conflict without a winner and writes nothing at all', () => {
    const plan = planReconcile({ ...input, conflictPolicy: 'manual' });

    expect(plan.patches).toEqual([]);
    expect(plan.members).toEqual({ crm: CRM });
    expect(plan.findings).toEqual([
      { kind: 'conflict', platform: 'omnistack', candidates: [older.id, newer.id], winner: null, policy: 'manual' },
    ]);
  });

  it('manual: still reports the other findings', () => {
    const plan = planReconcile({
      ...input,
      platforms: ['crm', 'omnistack', 'bookmaster'],
      conflictPolicy: 'manual',
      absent: [keyOf('bookmaster', 9)],
    });

    expect(kinds(plan.findings)).toEqual(['conflict', 'orphan', 'missing']);
    expect(plan.patches).toEqual([]);
  });

  it('breaks a tie in creation time by the greater id, whatever the input order', () => {
    const first = personRecord('bookmaster', 1, { createdAt: minutesIn(0) });
    const second = personRecord('bookmaster', 2, { createdAt: minutesIn(0) });
    const records = [gathered(crm, 'origin'), gathered(second), gathered(first)];
    const winners = [records, [...records].reverse()].map(
      (ordered) => planReconcile(planInput(ordered, { platforms: ['crm', 'bookmaster'] })).members.bookmaster,
    );

    expect(winners).toEqual([second.id, second.id]);
  });

  it('never lets an unreadable creation time win', () => {
    // The undated record sorts first by id, so it is the one any comparison starts from.
    const undated = personRecord('bookmaster', 1, { createdAt: new Date(Number.NaN) });
    const dated = personRecord('bookmaster', 9, { createdAt: minutesIn(0) });
    const plan = planReconcile(planInput([gathered(crm, 'origin'), gathered(undated), gathered(dated)]));

    expect(plan.members.bookmaster).toBe(dated.id);
  });

  it("unsets a loser's platform when only one of its extra ids points at the member", () => {
    const loser = personRecord('omnistack', 1, {
      createdAt: minutesIn(0),
      links: { crm: idOf('crm', 7) },
      extraLinks: { crm: [CRM] },
    });
    const records = [gathered(crm, 'origin'), gathered(loser), gathered(newer)];
    const plan = planReconcile(planInput(records, { platforms: ['crm', 'omnistack'] }));

    expect(plan.patches.find((patch) => patch.record === loser)?.unset).toEqual(['crm']);
  });

  it("leaves a loser's links to records that are not the person's members alone", () => {
    const bookmaster = gathered(personRecord('bookmaster', 1), 'email-match');
    const records = [...input.records, bookmaster];
    const plan = planReconcile({ ...input, records, platforms: ['crm', 'omnistack', 'bookmaster'] });
    const loserPatch = plan.patches.find((patch) => patch.record === older);

    expect(plan.members.bookmaster).toBe(BM);
    expect(older.links.bookmaster).not.toBe(BM);
    expect(loserPatch?.unset).toEqual(['crm']);
  });
});
