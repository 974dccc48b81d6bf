import { describe, expect, it } from 'vitest';
import { isSupabaseSnapshot, toSupabaseRecord } from '../../../src/platforms/supabase/supabase-record.ts';
import type { SupabaseRow } from '../../../src/platforms/supabase/supabase-record.ts';

const ID = '0b7e2f4c-1d2a-4c3b-9e8f-123456789abc';
const CRM = '507f1f77bcf86cd799439011';
const CREATED = new Date(Date.UTC(2024, 0, 2));

const row = (overrides: Partial<SupabaseRow>): SupabaseRow => ({ id: ID, email: 'ada@example.com', external_ids: null, created_at: CREATED, ...overrides });

describe('toSupabaseRecord', () => {
  it('reads a row: normalized email, created_at, links in any tolerated form, foreign keys left alone', () => {
    const record = toSupabaseRecord(row({ email: ' Ada@Example.COM\t', external_ids: `{"crm": "crm_${CRM.toUpperCase()}", "bookmaster": "bm_1", "erp": 7}` }));

    expect(record).toEqual({
      platform: 'supabase',
      id: ID,
      email: 'ada@example.com',
      createdAt: CREATED,
      links: { crm: CRM, bookmaster: 'bm_1' },
      extraLinks: {},
      unreadable: [],
      snapshot: { kind: 'supabase-user', externalIds: `{"crm": "crm_${CRM.toUpperCase()}", "bookmaster": "bm_1", "erp": 7}` },
    });
    expect(isSupabaseSnapshot(record.snapshot)).toBe(true);
  });

  it.each<[string, string | null, string[]]>([
    ['no map', null, []],
    ['a JSON null', 'null', []],
    ['a map that is a string', '"crm_x"', ['null:bad-format']],
    ['a map that is an array', `["${CRM}"]`, ['null:bad-format']],
    ['a self-reference', `{"supabase": "${ID}"}`, ['supabase:self-reference']],
    ['an operator object', '{"crm": {"$ne": null}}', ['crm:not-a-string']],
  ])('reads %s without links, as findings', (_label, externalIds, findings) => {
    const record = toSupabaseRecord(row({ external_ids: externalIds }));
    expect(record.links).toEqual({});
    expect(record.unreadable.map(({ platform, reason }) => `${platform}:${reason}`)).toEqual(findings);
  });

  it('has no email for a user without one (a phone or anonymous user)', () => {
    expect(toSupabaseRecord(row({ email: null })).email).toBeNull();
    expect(toSupabaseRecord(row({ email: '' })).email).toBeNull();
  });

  it.each<[string, unknown]>([
    ['another adapter\'s snapshot', { kind: 'bookmaster-user', externalIds: null }],
    ['a snapshot with a parsed map', { kind: 'supabase-user', externalIds: { crm: CRM } }],
    ['null', null],
  ])('does not take %s as its snapshot', (_label, snapshot) => {
    expect(isSupabaseSnapshot(snapshot)).toBe(false);
  });
});
