import fc from 'fast-check';
import { PLATFORMS } from '../../../src/ids/index.ts';
import type { Links, Platform } from '../../../src/ids/index.ts';
import type { PersonRecord, UnreadableLink } from '../../../src/platforms/person-record.ts';
import { idOf, minutesIn, personRecord } from '../reconcile/builders.ts';

/*
 * Generated data sets for the audit: several systems' records with links drawn from small id pools
 * (so links collide, dangle and rival each other) and emails from a small pool (so some are unique
 * in a system and some are not). Supabase is claimed but never scanned, as here.
 */

export const SCANNED: readonly Platform[] = ['crm', 'omnistack', 'bookmaster'];
const POOL_SIZE = 5;
const EMAILS = ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'];

const seqArb = fc.integer({ min: 0, max: POOL_SIZE - 1 });

function linksArb(owner: Platform): fc.Arbitrary<Links> {
  const others = PLATFORMS.filter((platform) => platform !== owner);
  return fc.tuple(...others.map(() => fc.option(seqArb, { nil: undefined, freq: 2 }))).map((seqs) => {
    const links: Links = {};
    others.forEach((platform, index) => {
      const seq = seqs[index];
      if (seq !== undefined) links[platform] = idOf(platform, seq);
    });
    return links;
  });
}

const unreadableArb: fc.Arbitrary<UnreadableLink[]> = fc.oneof(
  { arbitrary: fc.constant<UnreadableLink[]>([]), weight: 6 },
  { arbitrary: fc.constantFrom(...PLATFORMS).map((platform) => [{ platform, value: 'junk', reason: 'bad-format' as const }]), weight: 1 },
);

function extraArb(owner: Platform): fc.Arbitrary<Partial<Record<Platform, string[]>>> {
  const others = PLATFORMS.filter((platform) => platform !== owner);
  return fc.oneof(
    { arbitrary: fc.constant({}), weight: 8 },
    { arbitrary: fc.tuple(fc.constantFrom(...others), seqArb).map(([platform, seq]) => ({ [platform]: [idOf(platform, seq + POOL_SIZE)] })), weight: 1 },
  );
}

function recordArb(platform: Platform, seq: number): fc.Arbitrary<PersonRecord> {
  return fc
    .record({
      email: fc.option(fc.constantFrom(...EMAILS), { nil: null, freq: 6 }),
      minute: fc.integer({ min: 0, max: 3 }),
      links: linksArb(platform),
      extraLinks: extraArb(platform),
      unreadable: unreadableArb,
    })
    .map((spec) => personRecord(platform, seq, { ...spec, createdAt: minutesIn(spec.minute) }));
}

/** Records of the scanned systems: each id of each pool exists or not. */
export const datasetArb: fc.Arbitrary<PersonRecord[]> = fc
  .tuple(...SCANNED.map(() => fc.subarray([0, 1, 2, 3, 4])))
  .chain((seqsPerPlatform) =>
    fc.tuple(...SCANNED.flatMap((platform, index) => (seqsPerPlatform[index] ?? []).map((seq) => recordArb(platform, seq)))),
  );
