import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidInputError } from '../../../src/errors.ts';
import { parseRawId, parseTolerantId, RAW_ID_MAX_LENGTH, requireRawId } from '../../../src/ids/index.ts';
import type { Platform } from '../../../src/ids/index.ts';
import {
  BOOKMASTER_MAX,
  canonicalIdArb,
  caseVariantArb,
  mapSpellingArb,
  nonStringArb,
  oneCharWrongArb,
  OPERATOR_OBJECTS,
  PLATFORM_KEYS,
  platformAndIdArb,
  platformArb,
  thrownBy,
} from './fixtures.ts';

/** What each platform accepts on read, written independently of the implementation. */
const ACCEPTED_ON_READ: Record<Platform, RegExp> = {
  crm: /^[0-9a-fA-F]{24}$/,
  omnistack: /^[0-9a-fA-F]{24}$/,
  supabase: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  bookmaster: /^bm_[0-9A-Za-z]{1,61}$/,
};

const TEN_KB = 10_240;

function expectedCanonical(platform: Platform, id: string): string {
  return platform === 'bookmaster' ? id : id.toLowerCase();
}

describe('parseRawId: valid IDs', () => {
  it('property: a canonical ID parses to itself', () => {
    fc.assert(
      fc.property(platformAndIdArb, ({ platform, id }) => {
        expect(parseRawId(platform, id)).toEqual({ ok: true, id });
      }),
    );
  });

  it('property: hex IDs in any case parse to the lower-case form; Bookmaster case is kept', () => {
    const spelled = platformAndIdArb.chain(({ platform, id }) =>
      caseVariantArb(platform, id).map((variant) => ({ platform, id, variant })),
    );
    fc.assert(
      fc.property(spelled, ({ platform, id, variant }) => {
        expect(parseRawId(platform, variant)).toEqual({ ok: true, id });
      }),
    );
  });

  it('keeps a Bookmaster id with mixed case exactly as it is', () => {
    expect(parseRawId('bookmaster', 'bm_AbC042')).toEqual({ ok: true, id: 'bm_AbC042' });
  });

  it('accepts the longest Bookmaster id and nothing longer', () => {
    const longest = `bm_${'a'.repeat(BOOKMASTER_MAX - 3)}`;
    expect(parseRawId('bookmaster', longest)).toEqual({ ok: true, id: longest });
    expect(parseRawId('bookmaster', `${longest}a`)).toEqual({ ok: false, reason: 'too-long' });
  });

  it('property: accepts exactly what the independent oracle accepts, for arbitrary and near-miss strings', () => {
    const candidate = fc.oneof(
      fc.string(),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF-_bm'), maxLength: 70 }),
      platformAndIdArb.map(({ id }) => id),
      platformAndIdArb.chain(({ id }) => fc.string({ maxLength: 3 }).map((junk) => `${id}${junk}`)),
    );
    fc.assert(
      fc.property(platformArb, candidate, (platform, value) => {
        const parsed = parseRawId(platform, value);
        expect(parsed.ok).toBe(ACCEPTED_ON_READ[platform].test(value));
        if (parsed.ok) expect(parsed.id).toBe(expectedCanonical(platform, value));
      }),
    );
  });
});

describe('parseRawId: rejection', () => {
  it('property: a non-string is not-a-string, whatever it is', () => {
    fc.assert(
      fc.property(platformArb, nonStringArb, (platform, value) => {
        expect(parseRawId(platform, value)).toEqual({ ok: false, reason: 'not-a-string' });
      }),
    );
  });

  it.each(PLATFORM_KEYS)('%s: operator objects are not-a-string', (platform) => {
    for (const operator of OPERATOR_OBJECTS) {
      expect(parseRawId(platform, operator)).toEqual({ ok: false, reason: 'not-a-string' });
    }
  });

  it.each(PLATFORM_KEYS)('%s: the empty string is empty', (platform) => {
    expect(parseRawId(platform, '')).toEqual({ ok: false, reason: 'empty' });
  });

  it('property: any string over the platform limit is too-long, whatever its content', () => {
    const overLimit = platformArb.chain((platform) =>
      fc
        .string({ minLength: RAW_ID_MAX_LENGTH[platform] + 1, maxLength: RAW_ID_MAX_LENGTH[platform] + 200 })
        .map((value) => ({ platform, value })),
    );
    fc.assert(
      fc.property(overLimit, ({ platform, value }) => {
        expect(parseRawId(platform, value)).toEqual({ ok: false, reason: 'too-long' });
      }),
    );
  });

  it.each(PLATFORM_KEYS)('%s: a 10 kB string of valid characters is too-long', (platform) => {
    const huge = platform === 'bookmaster' ? `bm_${'a'.repeat(TEN_KB)}` : 'a'.repeat(TEN_KB);
    expect(parseRawId(platform, huge)).toEqual({ ok: false, reason: 'too-long' });
  });

  it.each(PLATFORM_KEYS)('%s: a valid ID with one character wrong is bad-format', (platform) => {
    fc.assert(
      fc.property(oneCharWrongArb(platform), (value) => {
        expect(parseRawId(platform, value)).toEqual({ ok: false, reason: 'bad-format' });
      }),
    );
  });

  it.each(['crm', 'omnistack', 'supabase'] as const)('%s: one character missing is bad-format, one extra is too-long', (platform) => {
    const edited = canonicalIdArb(platform).chain((id) =>
      fc.tuple(fc.constant(id), fc.nat({ max: id.length - 1 }), fc.constantFrom(...'0af-')),
    );
    fc.assert(
      fc.property(edited, ([id, index, extra]) => {
        const missing = `${id.slice(0, index)}${id.slice(index + 1)}`;
        const longer = `${id.slice(0, index)}${extra}${id.slice(index)}`;
        expect(parseRawId(platform, missing)).toEqual({ ok: false, reason: 'bad-format' });
        expect(parseRawId(platform, longer)).toEqual({ ok: false, reason: 'too-long' });
      }),
    );
  });

  it('takes no prefix: a prefixed ID is not a raw ID', () => {
    expect(parseRawId('crm', 'crm_507f1f77bcf86cd79943')).toEqual({ ok: false, reason: 'bad-format' });
    expect(parseRawId('omnistack', 'omni_507f1f77bcf86cd799439011')).toEqual({ ok: false, reason: 'too-long' });
  });

  it('throws IDSYNC_ERR_UNKNOWN_PLATFORM for a platform that is not one', () => {
    const error = thrownBy(() => parseRawId('stripe' as Platform, '507f1f77bcf86cd799439011'));
    expect(error).toMatchObject({ code: 'IDSYNC_ERR_UNKNOWN_PLATFORM' });
  });
});

describe('parseRawId: cost of rejection', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('runs no pattern on an over-long string or a non-string', () => {
    const exec = vi.spyOn(RegExp.prototype, 'exec');
    for (const platform of PLATFORM_KEYS) {
      parseRawId(platform, 'f'.repeat(TEN_KB));
      parseRawId(platform, { $ne: null });
    }
    expect(exec).not.toHaveBeenCalled();
  });

  it('does run a pattern on a string of plausible length (so the spy above can see one)', () => {
    const exec = vi.spyOn(RegExp.prototype, 'exec');
    parseRawId('crm', 'f'.repeat(RAW_ID_MAX_LENGTH.crm));
    expect(exec).toHaveBeenCalled();
  });
});

describe('parseTolerantId', () => {
  it('property: every tolerated spelling of an ID reads as its canonical form', () => {
    const spelled = platformAndIdArb.chain(({ platform, id }) =>
      mapSpellingArb(platform, id).map((stored) => ({ platform, id, stored })),
    );
    fc.assert(
      fc.property(spelled, ({ platform, id, stored }) => {
        expect(parseTolerantId(platform, stored)).toEqual({ ok: true, id });
      }),
    );
  });

  it.each([
    ['crm', 'supabase_507f1f77bcf86cd799439011', 'too-long'],
    ['supabase', 'crm_9b2a4c8e-1d3f-4e5a-8b7c-0d1e2f3a4b5c', 'too-long'],
    ['crm', 'crm_crm_507f1f77bcf86cd799439011', 'too-long'],
    ['crm', 'crm_507f1f77bcf86cd79943901z', 'bad-format'],
    ['crm', 'CRM_507f1f77bcf86cd799439011', 'too-long'],
    ['crm', 'crm_', 'empty'],
    ['omnistack', 'omni_', 'empty'],
    ['omnistack', 'omni_ 507f1f77bcf86cd79943901', 'bad-format'],
    ['bookmaster', 'bookmaster_bm_1042', 'bad-format'],
    ['bookmaster', 'bm_', 'bad-format'],
    ['supabase', `supabase_${'a'.repeat(TEN_KB)}`, 'too-long'],
    ['crm', { $ne: null }, 'not-a-string'],
  ] as const)('%s %j is %s', (platform, value, reason) => {
    expect(parseTolerantId(platform, value)).toEqual({ ok: false, reason });
  });
});

describe('requireRawId', () => {
  it('property: returns the canonical form of any case spelling', () => {
    const spelled = platformAndIdArb.chain(({ platform, id }) =>
      caseVariantArb(platform, id).map((variant) => ({ platform, id, variant })),
    );
    fc.assert(
      fc.property(spelled, ({ platform, id, variant }) => {
        expect(requireRawId(platform, variant)).toBe(id);
      }),
    );
  });

  it('property: throws IDSYNC_ERR_INVALID_ID whenever parseRawId rejects', () => {
    fc.assert(
      fc.property(platformArb, fc.oneof(fc.anything(), fc.string()), (platform, value) => {
        fc.pre(!parseRawId(platform, value).ok);
        const error = thrownBy(() => requireRawId(platform, value));
        expect(error).toBeInstanceOf(InvalidInputError);
        expect(error).toMatchObject({ code: 'IDSYNC_ERR_INVALID_ID', retryable: false });
      }),
    );
  });
});
