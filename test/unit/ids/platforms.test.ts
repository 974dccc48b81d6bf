import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.ts';
import { describeValue, isPlatform, otherPlatforms, parsePlatform, PLATFORMS } from '../../../src/ids/index.ts';
import { PLATFORM_KEYS, platformArb, thrownBy } from './fixtures.ts';

describe('PLATFORMS', () => {
  it('lists exactly four platform keys in the canonical order', () => {
    expect([...PLATFORMS]).toEqual(['crm', 'omnistack', 'supabase', 'bookmaster']);
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(PLATFORMS)).toBe(true);
  });
});

describe('isPlatform / parsePlatform', () => {
  it.each(PLATFORM_KEYS)('accepts %s', (key) => {
    expect(isPlatform(key)).toBe(true);
    expect(parsePlatform(key)).toBe(key);
  });

  it.each([
    ['upper case', 'CRM'],
    ['title case', 'Supabase'],
    ['padded', ' crm'],
    ['trailing newline', 'crm\n'],
    ['legacy short name', 'omni'],
    ['empty', ''],
    ['prototype key', '__proto__'],
    ['prototype method', 'toString'],
    ['number', 1],
    ['null', null],
    ['undefined', undefined],
    ['operator object', { $ne: null }],
    ['array holding a key', ['crm']],
    ['boxed string', Object('crm')],
  ])('rejects %s with IDSYNC_ERR_UNKNOWN_PLATFORM', (_label, value) => {
    expect(isPlatform(value)).toBe(false);
    const error = thrownBy(() => parsePlatform(value));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ code: 'IDSYNC_ERR_UNKNOWN_PLATFORM', retryable: false });
  });

  it('property: isPlatform holds for exactly the four keys, and parsePlatform agrees with it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), platformArb), (value) => {
        const expected = (PLATFORM_KEYS as readonly unknown[]).includes(value);
        expect(isPlatform(value)).toBe(expected);
        if (expected) expect(parsePlatform(value)).toBe(value);
        else expect(thrownBy(() => parsePlatform(value))).toMatchObject({ code: 'IDSYNC_ERR_UNKNOWN_PLATFORM' });
      }),
    );
  });
});

describe('otherPlatforms', () => {
  it.each([
    ['crm', ['omnistack', 'supabase', 'bookmaster']],
    ['omnistack', ['crm', 'supabase', 'bookmaster']],
    ['supabase', ['crm', 'omnistack', 'bookmaster']],
    ['bookmaster', ['crm', 'omnistack', 'supabase']],
  ] as const)('%s references %j', (platform, expected) => {
    expect(otherPlatforms(platform)).toEqual(expected);
  });

  it('returns a fresh array each time, so a caller cannot corrupt the next answer', () => {
    const first = otherPlatforms('crm');
    first.pop();
    expect(otherPlatforms('crm')).toHaveLength(PLATFORMS.length - 1);
  });
});

describe('describeValue', () => {
  it('never echoes more than a short prefix of a long string', () => {
    const described = describeValue(`secret-${'x'.repeat(10_000)}`);
    expect(described.length).toBeLessThan(100);
    expect(described).toContain('10007');
  });

  it('names the type of a non-string instead of printing it', () => {
    expect(describeValue({ $ne: 'password-hash' })).not.toContain('password-hash');
  });
});
