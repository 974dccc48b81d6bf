import fc from 'fast-check';
import { PLATFORMS } from '../../../src/ids/index.ts';
import type { Links, Platform, RecordKey } from '../../../src/ids/index.ts';
import type { PersonRecord, UnreadableLink } from '../../../src/platforms/person-record.ts';
import type { GatheredRecord, PlanInput } from '../../../src/reconcile/plan-model.ts';
import { gathered, idOf, linksExcept, minutesIn, personRecord } from './builders.ts';

/*
 * Generated people for the planner's properties. Ids come from a small pool per platform so that
 * links collide, point at missing records and at rival candidates often; creation times come from
 * a few minutes so that ties happen.
 */

/** Ids 0..POOL_SIZE-1 exist or not per platform; links point anywhere in the pool. */
const POOL_SIZE = 4;
const MAX_MINUTE = 3;
const MAX_UNREADABLE = 2;
const MAX_EXTRA = 2;

/** Every raw value and email the generator uses contains this, so a leak is one search away. */
export const LEAK_MARKER = 'SECRET';
const UNREADABLE_VALUES: readonly unknown[] = [
  { $ne: LEAK_MARKER },
  `crm_${LEAK_MARKER}`,
  `supabase_${LEAK_MARKER}-not-a-uuid`,
  `bm_${LEAK_MARKER}!`,
  `omni_${LEAK_MARKER}`,
  [LEAK_MARKER],
];
const REASONS: readonly UnreadableLink['reason'][] = ['not-a-string', 'empty', 'too-long', 'bad-format', 'self-reference'];
const EMAILS = [`ana.${LEAK_MARKER}@example.com`, `bo.${LEAK_MARKER}@example.com`];

const seqArb = fc.integer({ min: 0, max: POOL_SIZE - 1 });
const reachArb = fc.constantFrom<GatheredRecord['reachedBy']>('origin', 'id-claim', 'email-match');
export const policyArb = fc.constantFrom<PlanInput['conflictPolicy']>('newest', 'manual');
export const syncedArb = fc.subarray([...PLATFORMS], { minLength: 1 });

const unreadableArb: fc.Arbitrary<UnreadableLink> = fc.record({
  platform: fc.option(fc.constantFrom(...PLATFORMS), { nil: null }),
  value: fc.constantFrom(...UNREADABLE_VALUES),
  reason: fc.constantFrom(...REASONS),
});

function linksArb(owner: Platform): fc.Arbitrary<Links> {
  const others = PLATFORMS.filter((platform) => platform !== owner);
  return fc.tuple(...others.map(() => fc.option(seqArb, { nil: undefined }))).map((seqs) => {
    const links: Links = {};
    others.forEach((platform, index) => {
      const seq = seqs[index];
      if (seq !== undefined) links[platform] = idOf(platform, seq);
    });
    return links;
  });
}

/** Extra ids are rare in real data; most records get none. */
function extraLinksArb(owner: Platform): fc.Arbitrary<Partial<Record<Platform, string[]>>> {
  const others = PLATFORMS.filter((platform) => platform !== owner);
  const extraArb = fc.option(fc.uniqueArray(seqArb, { minLength: 1, maxLength: MAX_EXTRA }), { nil: undefined, freq: 4 });
  return fc.tuple(...others.map(() => extraArb)).map((seqsPerPlatform) => {
    const extra: Partial<Record<Platform, string[]>> = {};
    others.forEach((platform, index) => {
      const seqs = seqsPerPlatform[index];
      if (seqs !== undefined) extra[platform] = seqs.map((seq) => idOf(platform, seq));
    });
    return extra;
  });
}

function recordArb(platform: Platform, seq: number): fc.Arbitrary<GatheredRecord> {
  return fc
    .record({
      email: fc.option(fc.constantFrom(...EMAILS), { nil: null }),
      minute: fc.integer({ min: 0, max: MAX_MINUTE }),
      links: linksArb(platform),
      extraLinks: extraLinksArb(platform),
      unreadable: fc.array(unreadableArb, { maxLength: MAX_UNREADABLE }),
      reachedBy: reachArb,
    })
    .map((spec) => gathered(personRecord(platform, seq, { ...spec, createdAt: minutesIn(spec.minute) }), spec.reachedBy));
}

/** Mostly one record per platform, sometimes none or two (a conflict). */
const existingSeqsArb = fc.oneof(
  { arbitrary: fc.subarray([0, 1, 2, 3], { maxLength: 1 }), weight: 3 },
  { arbitrary: fc.subarray([0, 1, 2, 3], { maxLength: 2 }), weight: 1 },
);

/** A random person: any links, conflicts, orphans, unreadable entries, policy and synced platforms. */
export const planInputArb: fc.Arbitrary<PlanInput> = fc
  .tuple(...PLATFORMS.map(() => existingSeqsArb))
  .chain((seqsPerPlatform) =>
    fc.tuple(
      ...PLATFORMS.flatMap((platform, index) => (seqsPerPlatform[index] ?? []).map((seq) => recordArb(platform, seq))),
    ),
  )
  .chain((records) =>
    fc.record({ synced: syncedArb, policy: policyArb, originPick: fc.nat() }).map(({ synced, policy, originPick }) => {
      const absent = absentClaims(records.map((entry) => entry.record));
      const keys = [...records.map(({ record }) => ({ platform: record.platform, id: record.id })), ...absent];
      const origin = keys[originPick % Math.max(keys.length, 1)] ?? { platform: 'crm' as const, id: idOf('crm', 0) };
      return { origin, records, absent, platforms: synced, conflictPolicy: policy };
    }),
  );

/** What gather would report as absent: every claimed id that is not among the records. */
function absentClaims(records: readonly PersonRecord[]): RecordKey[] {
  const exists = new Set(records.map((record) => `${record.platform}:${record.id}`));
  const absent = new Map<string, RecordKey>();
  for (const record of records) {
    for (const platform of PLATFORMS) {
      const claims = [record.links[platform], ...(record.extraLinks[platform] ?? [])];
      for (const id of claims) {
        const key = `${platform}:${id}`;
        if (id !== undefined && !exists.has(key)) absent.set(key, { platform, id });
      }
    }
  }
  return [...absent.values()];
}

type Noise = readonly [platform: Platform, seq: number, entry: UnreadableLink, withExtra: boolean];

interface ConsistentSpec {
  synced: Platform[];
  present: Platform[];
  policy: PlanInput['conflictPolicy'];
  noise: Noise[];
  reach: GatheredRecord['reachedBy'][];
}

/**
 * A person already consistent in the synced platforms: one record per chosen platform, each
 * linking every other, plus what the planner must leave alone: links, extra ids and unreadable
 * entries for platforms where the person has no synced record, and self-references.
 */
export const consistentInputArb: fc.Arbitrary<PlanInput> = fc
  .record({
    synced: syncedArb,
    present: fc.subarray([...PLATFORMS], { minLength: 1 }),
    policy: policyArb,
    noise: fc.array(fc.tuple(fc.constantFrom(...PLATFORMS), seqArb, unreadableArb, fc.boolean()), { maxLength: 3 }),
    reach: fc.array(reachArb, { minLength: PLATFORMS.length, maxLength: PLATFORMS.length }),
  })
  .map(consistentPerson);

function consistentPerson({ synced, present, policy, noise, reach }: ConsistentSpec): PlanInput {
  const members: Links = {};
  for (const platform of present) members[platform] = idOf(platform, 0);
  const records = present.map((owner, index) => {
    const alone = (platform: Platform | null): boolean =>
      platform === null || platform === owner || !(present.includes(platform) && synced.includes(platform));
    const aside = noise.filter(([platform]) => platform !== owner && alone(platform));
    const links: Links = { ...linksExcept(owner, members) };
    const extraLinks: Partial<Record<Platform, string[]>> = {};
    for (const [platform, seq, , withExtra] of aside) {
      links[platform] = idOf(platform, seq + 1);
      if (withExtra) extraLinks[platform] = [idOf(platform, seq + 2)];
    }
    const unreadable = aside.map(([, , entry]) => entry).filter((entry) => alone(entry.platform));
    return gathered(personRecord(owner, 0, { links, extraLinks, unreadable }), reach[index] ?? 'id-claim');
  });
  const absent = absentClaims(records.map((entry) => entry.record));
  const first = records[0]?.record ?? personRecord('crm', 0);
  return { origin: { platform: first.platform, id: first.id }, records, absent, platforms: synced, conflictPolicy: policy };
}
