import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameRow } from '../../../src/link-index/link-rows.ts';
import type { LinkRow } from '../../../src/link-index/link-rows.ts';

/*
 * sameRow decides whether a reconcile may leave a record's row in the link index unwritten: it
 * must say yes only when the held row says exactly what the record's row says, as the index's
 * own `is distinct from` would compare them (claims in order).
 */

const rows = fc.record({
  platform: fc.constantFrom('crm', 'omnistack', 'bookmaster', 'supabase'),
  record_id: fc.string({ minLength: 1, maxLength: 6 }),
  email_hash: fc.option(fc.constantFrom('aa', 'bb', 'cc'), { nil: null }),
  claims: fc.array(fc.constantFrom('crm:1', 'omnistack:2', 'bookmaster:3'), { maxLength: 3 }),
});

const sameAsTheIndex = (held: LinkRow, row: LinkRow) => held.email_hash === row.email_hash && JSON.stringify(held.claims) === JSON.stringify(row.claims);

describe('sameRow', () => {
  it('holds exactly when the email hash and the claims, in order, are equal', () => {
    fc.assert(fc.property(rows, rows, (held, row) => {
        expect(sameRow(held, row)).toBe(sameAsTheIndex(held, row));
      }));
  });

  it('holds for a row compared with a copy of itself', () => {
    fc.assert(fc.property(rows, (row) => {
        expect(sameRow({ ...row, claims: [...row.claims] }, row)).toBe(true);
      }));
  });

  it('never holds for a row the index does not hold (null) or that was not looked up (undefined)', () => {
    fc.assert(fc.property(rows, (row) => {
        expect([sameRow(null, row), sameRow(undefined, row)]).toEqual([false, false]);
      }));
  });

  it('tells claims in another order apart, as Postgres compares arrays', () => {
    const row = { platform: 'crm', record_id: 'x', email_hash: null, claims: ['omnistack:2', 'bookmaster:3'] };
    expect(sameRow({ ...row, claims: ['bookmaster:3', 'omnistack:2'] }, row)).toBe(false);
  });
});
