import fc from 'fast-check';
import type { Platform } from '../../../src/ids/index.ts';
import { canonicalIdArb, caseVariantArb } from '../ids/fixtures.ts';

/*
 * Random and hostile values for the fuzzing properties (change-event parsers, job payloads), and
 * an oracle of what a raw id of each platform is, written out here independently of src/ids.
 */

/** Runs per property: FUZZ_RUNS (npm run fuzz sets it high), else 200. */
export function fuzzRuns(): number {
  const runs = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(runs) && runs > 0 ? runs : 200;
}

const RAW_ID_PATTERN: Record<Platform, RegExp> = {
  crm: /^[0-9a-fA-F]{24}$/,
  omnistack: /^[0-9a-fA-F]{24}$/,
  supabase: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  bookmaster: /^bm_[0-9A-Za-z]{1,61}$/,
};

/** The canonical form of `value` as a raw id of `platform`, or undefined when it is none. */
export function oracleId(platform: Platform, value: unknown): string | undefined {
  if (typeof value !== 'string' || !RAW_ID_PATTERN[platform].test(value)) return undefined;
  return platform === 'bookmaster' ? value : value.toLowerCase();
}

/** A valid raw id of `platform`, in any case the platform reads. */
export function validIdArb(platform: Platform): fc.Arbitrary<string> {
  return canonicalIdArb(platform).chain((id) => caseVariantArb(platform, id));
}

const CYRILLIC_A = '\u0430';

/** A valid id one step off: padded, prefixed, cut, lengthened, a look-alike letter, a NUL, a second id. */
export function nearMissIdArb(platform: Platform): fc.Arbitrary<string> {
  return validIdArb(platform).chain((id) =>
    fc.constantFrom(` ${id}`, `${id} `, `${id}\n`, id.slice(1), `${id}0`, `${platform}_${id}`, `${platform}:${id}`, `${CYRILLIC_A}${id.slice(1)}`, `${id}\u0000`, `${id},${id}`, id.replace(/[0-9a-f]/i, 'g')),
  );
}

/** Values a client or a store may hand over where an id or a field is expected. */
const HOSTILE_CONSTANTS: readonly unknown[] = [
  { $ne: null },
  { $gt: '' },
  { $where: 'sleep(1000)' },
  JSON.parse('{"__proto__": {"polluted": true}, "id": "x"}'),
  { constructor: { prototype: { polluted: true } } },
  Object.create(null),
  NaN,
  Infinity,
  -0,
  '',
  ' ',
  '\u0000',
  '\uD800',
  'a'.repeat(10_240),
  '__proto__',
  'constructor',
  [],
  [[]],
  new Date(Number.NaN),
  Symbol('hostile'),
  () => 'a function',
];

/** Anything at all, with the exotic kinds fast-check can make (null prototypes, boxed values, typed arrays...). */
export const anythingArb: fc.Arbitrary<unknown> = fc.anything({
  maxDepth: 3,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
});

/** A hostile value in general, or one aimed at `platform`'s ids. */
export function hostileArb(platform?: Platform): fc.Arbitrary<unknown> {
  return fc.oneof(
    anythingArb,
    fc.constantFrom(...HOSTILE_CONSTANTS),
    fc.string({ unit: 'binary', maxLength: 80 }),
    ...(platform ? [nearMissIdArb(platform)] : []),
  );
}

/** An id for `platform` that may be valid, one step off, or anything else. */
export function idCandidateArb(platform: Platform): fc.Arbitrary<unknown> {
  return fc.oneof(validIdArb(platform), hostileArb(platform));
}
