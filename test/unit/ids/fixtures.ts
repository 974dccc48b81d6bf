import fc from 'fast-check';
import type { Links, Platform } from '../../../src/ids/index.ts';

/*
 * Generators and helpers for the ID tests. The shapes are written out here independently of src/ids, so a
 * property compares the codec with a second description of the ID conventions rather than with itself.
 */

export const PLATFORM_KEYS = ['crm', 'omnistack', 'supabase', 'bookmaster'] as const;
export const OBJECT_ID_LENGTH = 24;
export const BOOKMASTER_MAX = 64;
const BOOKMASTER_PREFIX = 'bm_';

const HEX_DIGITS = [...'0123456789abcdef'];
const ALPHANUMERICS = [...'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'];

/** Independent oracles: what a canonical raw ID of each platform looks like. */
export const CANONICAL_PATTERN: Record<Platform, RegExp> = {
  crm: /^[0-9a-f]{24}$/,
  omnistack: /^[0-9a-f]{24}$/,
  supabase: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  bookmaster: /^bm_[0-9A-Za-z]{1,61}$/,
};

export const platformArb = fc.constantFrom(...PLATFORM_KEYS);

export const objectIdArb = fc.string({
  unit: fc.constantFrom(...HEX_DIGITS),
  minLength: OBJECT_ID_LENGTH,
  maxLength: OBJECT_ID_LENGTH,
});

export const uuidArb = fc.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

export const bookmasterIdArb = fc
  .string({
    unit: fc.constantFrom(...ALPHANUMERICS),
    minLength: 1,
    maxLength: BOOKMASTER_MAX - BOOKMASTER_PREFIX.length,
  })
  .map((suffix) => `${BOOKMASTER_PREFIX}${suffix}`);

const ID_ARBS: Record<Platform, fc.Arbitrary<string>> = {
  crm: objectIdArb,
  omnistack: objectIdArb,
  supabase: uuidArb,
  bookmaster: bookmasterIdArb,
};

export function canonicalIdArb(platform: Platform): fc.Arbitrary<string> {
  return ID_ARBS[platform];
}

export const platformAndIdArb = platformArb.chain((platform) =>
  canonicalIdArb(platform).map((id) => ({ platform, id })),
);

export const linksArb: fc.Arbitrary<Links> = fc.record(ID_ARBS, { requiredKeys: [] });

/** Hex IDs are case-insensitive on read; a Bookmaster id is case-sensitive and stays as it is. */
export function caseVariantArb(platform: Platform, id: string): fc.Arbitrary<string> {
  return platform === 'bookmaster' ? fc.constant(id) : fc.mixedCase(fc.constant(id));
}

const MAP_PREFIXES: Record<Platform, string[]> = {
  crm: ['', 'crm_'],
  omnistack: ['', 'omni_', 'omnistack_'],
  supabase: ['', 'supabase_'],
  bookmaster: [''],
};

/** Every spelling of `id` that a map reader must understand as the same link. */
export function mapSpellingArb(platform: Platform, id: string): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...MAP_PREFIXES[platform]), caseVariantArb(platform, id))
    .map(([prefix, variant]) => `${prefix}${variant}`);
}

/** Every spelling of a link that an OmniStack array reader must understand. */
export function omniSpellingArb(platform: 'crm' | 'supabase' | 'bookmaster', id: string): fc.Arbitrary<string> {
  if (platform === 'bookmaster') return fc.constant(id);
  const variant = caseVariantArb(platform, id);
  if (platform === 'supabase') return variant.map((spelled) => `supabase_${spelled}`);
  return fc.tuple(fc.constantFrom('crm_', ''), variant).map(([prefix, spelled]) => `${prefix}${spelled}`);
}

/** Keys a map may hold that are not platform keys: they must survive a rewrite untouched. */
export const foreignKeyArb = fc
  .oneof(
    fc.string(),
    fc.constantFrom('__proto__', 'constructor', 'toString', 'CRM', 'Supabase', 'omni', '0', '42', 'stripe'),
  )
  .filter((key) => !(PLATFORM_KEYS as readonly string[]).includes(key));

export const foreignMapArb = fc.dictionary(foreignKeyArb, fc.jsonValue(), { maxKeys: 6 });

const OWNED_PREFIX = /^(crm_|supabase_|bm_|omni_|omnistack_)/;
const BARE_OBJECT_ID = /^[0-9a-fA-F]{24}$/;

/** OmniStack array entries that belong to someone else. */
export const foreignEntryArb = fc
  .oneof(
    fc.string({ minLength: 1 }),
    fc.constantFrom(
      'stripe_cus_123',
      'legacy-42',
      'CRM_507f1f77bcf86cd799439011',
      'BM_1042',
      'crm',
      'bm',
      ' crm_507f1f77bcf86cd799439011',
      'crm-507f1f77bcf86cd799439011',
      'hubspot:77',
      'x'.repeat(10_000),
    ),
    uuidArb,
    fc.string({ unit: fc.constantFrom(...HEX_DIGITS), minLength: 1, maxLength: OBJECT_ID_LENGTH - 1 }),
  )
  .filter((entry) => entry.length > 0 && !OWNED_PREFIX.test(entry) && !BARE_OBJECT_ID.test(entry));

/** JSON values and more (undefined, Dates, Maps, class instances) that are not strings. */
export const nonStringArb = fc.anything().filter((value) => typeof value !== 'string');

/** What a hostile query string or JSON body puts where an ID belongs. */
export const OPERATOR_OBJECTS: readonly unknown[] = [
  { $ne: null },
  { $gt: '' },
  { $regex: '.*' },
  { $where: 'sleep(1000)' },
  { $in: ['507f1f77bcf86cd799439011'] },
  ['507f1f77bcf86cd799439011'],
];

/** A canonical ID with exactly one character replaced by one that cannot stand there. */
export function oneCharWrongArb(platform: Platform): fc.Arbitrary<string> {
  return canonicalIdArb(platform).chain((id) =>
    fc.nat({ max: id.length - 1 }).chain((index) =>
      fc.constantFrom(...wrongCharsAt(platform, id, index)).map((wrong) => `${id.slice(0, index)}${wrong}${id.slice(index + 1)}`),
    ),
  );
}

const UUID_HYPHEN_POSITIONS = [8, 13, 18, 23];
const NOT_HEX = [...'ghkxzGXZ_-. :\n\u00e9\u0430'];
const NOT_ALPHANUMERIC = [...'_-. :/\n\u00e9\u0430\u0000'];
const BOOKMASTER_PREFIX_WRONG = [...'Xx- 0'];

function wrongCharsAt(platform: Platform, id: string, index: number): string[] {
  if (platform === 'bookmaster') {
    return index < BOOKMASTER_PREFIX.length
      ? BOOKMASTER_PREFIX_WRONG.filter((char) => char !== id[index])
      : NOT_ALPHANUMERIC;
  }
  if (platform === 'supabase' && UUID_HYPHEN_POSITIONS.includes(index)) return ['a', '0', '_', ' '];
  return NOT_HEX;
}

/** The error an action throws; fails the test when it does not throw, so no assertion is skipped. */
export function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the action to throw');
}
