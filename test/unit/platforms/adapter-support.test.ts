import { describe, expect, it } from 'vitest';
import { requireBatchSize, requireEmailQuery, requireLinkChange } from '../../../src/platforms/adapter-support.ts';
import { emailPattern, escapeRegex } from '../../../src/platforms/mongo-patterns.ts';

const OBJECT_ID = '507f1f77bcf86cd799439011';
const UUID = '9b2a4c8e-1d3f-4e5a-8b7c-0d1e2f3a4b5c';

describe('requireLinkChange', () => {
  it('lists the named platforms in PLATFORMS order with canonical ids, the owner always cleared', () => {
    const patch = { set: { supabase: UUID.toUpperCase(), crm: OBJECT_ID, omnistack: undefined }, unset: ['bookmaster', 'bookmaster'], rules: {} };
    expect([...requireLinkChange('crm', patch)]).toEqual([
      ['crm', null],
      ['supabase', UUID],
      ['bookmaster', null],
    ]);
  });

  it.each<[string, unknown, string]>([
    ['not an object', 'crm', 'IDSYNC_ERR_INVALID_CHANGE'],
    ['no unset array', { set: {} }, 'IDSYNC_ERR_INVALID_CHANGE'],
    ['a platform set and unset', { set: { crm: OBJECT_ID }, unset: ['crm'] }, 'IDSYNC_ERR_INVALID_CHANGE'],
    ['an unknown platform key', { set: { CRM: OBJECT_ID }, unset: [] }, 'IDSYNC_ERR_UNKNOWN_PLATFORM'],
    ['an unknown platform to unset', { set: {}, unset: [{ $ne: null }] }, 'IDSYNC_ERR_UNKNOWN_PLATFORM'],
    ['an operator object as id', { set: { crm: { $ne: null } }, unset: [] }, 'IDSYNC_ERR_INVALID_ID'],
    ['a prefixed id', { set: { crm: `crm_${OBJECT_ID}` }, unset: [] }, 'IDSYNC_ERR_INVALID_ID'],
  ])('rejects %s', (_label, change, code) => {
    expect(() => requireLinkChange('omnistack', change)).toThrow(expect.objectContaining({ code }));
  });
});

describe('requireEmailQuery and requireBatchSize', () => {
  it('normalizes an email and rejects what is not one', () => {
    expect(requireEmailQuery('  Ada@Example.COM\t')).toBe('ada@example.com');
    for (const bad of [{ $ne: null }, '', ' \n ', `${'a'.repeat(320)}@x.io`, 'a\u007fb@x.io', 7]) {
      expect(() => requireEmailQuery(bad)).toThrow(expect.objectContaining({ code: 'IDSYNC_ERR_INVALID_EMAIL' }));
    }
  });

  it('defaults the batch size to 1000 and bounds it', () => {
    expect(requireBatchSize(undefined)).toBe(1000);
    expect(requireBatchSize(1)).toBe(1);
    expect(() => requireBatchSize('10')).toThrow(expect.objectContaining({ code: 'IDSYNC_ERR_INVALID_BATCH_SIZE' }));
  });
});

describe('MongoDB patterns', () => {
  it('take every regex character of an email literally', () => {
    const { pattern: source, options } = emailPattern('a.b+c*(d)|[e]?^$@x.io');
    const pattern = new RegExp(source, options);
    expect(pattern.test(' A.B+C*(D)|[E]?^$@X.IO ')).toBe(true);
    expect(pattern.test('aXb+c*(d)|[e]?^$@x.io')).toBe(false);
    expect(escapeRegex('a-b_c')).toBe('a\\-b\\_c');
  });
});
