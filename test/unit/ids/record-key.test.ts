import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.ts';
import { formatRecordKey, parseRecordKey } from '../../../src/ids/index.ts';
import { caseVariantArb, nonStringArb, platformAndIdArb, thrownBy } from './fixtures.ts';

const OBJECT_ID = '507f1f77bcf86cd799439011';
const UUID = '9b2a4c8e-1d3f-4e5a-8b7c-0d1e2f3a4b5c';

describe('parseRecordKey / formatRecordKey', () => {
  it('property: format then parse gives the same key back', () => {
    fc.assert(
      fc.property(platformAndIdArb, (key) => {
        expect(parseRecordKey(formatRecordKey(key))).toEqual(key);
      }),
    );
  });

  it('property: parse canonicalises the case of hex IDs, and format writes the canonical key', () => {
    const spelled = platformAndIdArb.chain(({ platform, id }) =>
      caseVariantArb(platform, id).map((variant) => ({ platform, id, variant })),
    );
    fc.assert(
      fc.property(spelled, ({ platform, id, variant }) => {
        expect(parseRecordKey(`${platform}:${variant}`)).toEqual({ platform, id });
        expect(formatRecordKey({ platform, id: variant })).toBe(`${platform}:${id}`);
      }),
    );
  });

  it.each([
    ['crm:507F1F77BCF86CD799439011', { platform: 'crm', id: OBJECT_ID }],
    [`supabase:${UUID.toUpperCase()}`, { platform: 'supabase', id: UUID }],
    ['bookmaster:bm_1042', { platform: 'bookmaster', id: 'bm_1042' }],
    [`omnistack:${OBJECT_ID}`, { platform: 'omnistack', id: OBJECT_ID }],
  ])('parses %s', (text, expected) => {
    expect(parseRecordKey(text)).toEqual(expected);
  });

  it.each([
    ['no separator', 'IDSYNC_ERR_INVALID_ID', 'crm'],
    ['bare id', 'IDSYNC_ERR_INVALID_ID', OBJECT_ID],
    ['empty', 'IDSYNC_ERR_INVALID_ID', ''],
    ['empty id', 'IDSYNC_ERR_INVALID_ID', 'crm:'],
    ['empty platform', 'IDSYNC_ERR_UNKNOWN_PLATFORM', `:${OBJECT_ID}`],
    ['unknown platform', 'IDSYNC_ERR_UNKNOWN_PLATFORM', `stripe:${OBJECT_ID}`],
    ['upper-case platform', 'IDSYNC_ERR_UNKNOWN_PLATFORM', `CRM:${OBJECT_ID}`],
    ['padded platform', 'IDSYNC_ERR_UNKNOWN_PLATFORM', ` crm:${OBJECT_ID}`],
    ['prototype key as platform', 'IDSYNC_ERR_UNKNOWN_PLATFORM', `__proto__:${OBJECT_ID}`],
    ['prefixed id', 'IDSYNC_ERR_INVALID_ID', `crm:crm_${OBJECT_ID}`],
    ['legacy prefixed id', 'IDSYNC_ERR_INVALID_ID', `omnistack:omni_${OBJECT_ID}`],
    ['id of another platform', 'IDSYNC_ERR_INVALID_ID', `crm:${UUID}`],
    ['second separator', 'IDSYNC_ERR_INVALID_ID', `crm:${OBJECT_ID}:x`],
    ['one character wrong', 'IDSYNC_ERR_INVALID_ID', 'crm:507f1f77bcf86cd79943901g'],
    ['trailing newline', 'IDSYNC_ERR_INVALID_ID', `crm:${OBJECT_ID}\n`],
    ['10 kB', 'IDSYNC_ERR_INVALID_ID', `crm:${'a'.repeat(10_240)}`],
    ['10 kB behind an unknown platform', 'IDSYNC_ERR_INVALID_ID', `stripe:${'a'.repeat(10_240)}`],
    ['operator object', 'IDSYNC_ERR_INVALID_ID', { $ne: null }],
    ['number', 'IDSYNC_ERR_INVALID_ID', 42],
    ['null', 'IDSYNC_ERR_INVALID_ID', null],
    ['array', 'IDSYNC_ERR_INVALID_ID', ['crm', OBJECT_ID]],
  ])('rejects %s with %s', (_label, code, value) => {
    const error = thrownBy(() => parseRecordKey(value));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ code, retryable: false });
  });

  it('property: any non-string is IDSYNC_ERR_INVALID_ID', () => {
    fc.assert(
      fc.property(nonStringArb, (value) => {
        expect(thrownBy(() => parseRecordKey(value))).toMatchObject({ code: 'IDSYNC_ERR_INVALID_ID' });
      }),
    );
  });

  it('property: arbitrary text either parses to a canonical key or throws one of the two codes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), platformAndIdArb.map(formatRecordKey).map((key) => `${key}x`)), (text) => {
        try {
          const key = parseRecordKey(text);
          expect(formatRecordKey(key)).toBe(text);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError);
          expect(['IDSYNC_ERR_INVALID_ID', 'IDSYNC_ERR_UNKNOWN_PLATFORM']).toContain((error as InvalidInputError).code);
        }
      }),
    );
  });

  it('formatRecordKey refuses an invalid id instead of building a key from it', () => {
    expect(thrownBy(() => formatRecordKey({ platform: 'crm', id: 'zzz' }))).toMatchObject({
      code: 'IDSYNC_ERR_INVALID_ID',
    });
  });
});
