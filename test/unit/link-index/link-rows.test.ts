import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../../src/ids/index.ts';
import type { Platform } from '../../../src/ids/index.ts';
import { emailHash, fingerprint, sameRow } from '../../../src/link-index/link-rows.ts';
import type { LinkRow } from '../../../src/link-index/link-rows.ts';
import type { PersonRecord, UnreadableLink } from '../../../src/platforms/person-record.ts';
import { minutesIn, personRecord } from '../reconcile/builders.ts';

/*
 * sameRow decides whether a reconcile may leave a record's row in the link index unwritten: it
 * must say yes only when the held row says exactly what the record's row says, as the index's
 * own `is distinct from` would compare them (claims in order). A fingerprint decides whether a
 * change event's record still reads as a completed reconcile saw it: equal only when everything
 * the planner reads is.
 */

const rows = fc.record({
  platform: fc.constantFrom('crm', 'omnistack', 'bookmaster', 'supabase'),
  record_id: fc.string({ minLength: 1, maxLength: 6 }),
  email_hash: fc.option(fc.constantFrom('aa', 'bb', 'cc'), { nil: null }),
  claims: fc.array(fc.constantFrom('crm:1', 'omnistack:2', 'bookmaster:3'), { maxLength: 3 }),
  settled: fc.option(fc.constantFrom('f1', 'f2'), { nil: null }),
});

/** What the index's upsert compares: a row without a fingerprint keeps the one held, so only one it carries counts. */
const sameAsTheIndex = (held: LinkRow, row: LinkRow) =>
  held.email_hash === row.email_hash && JSON.stringify(held.claims) === JSON.stringify(row.claims) && (row.settled === null || row.settled === held.settled);

describe('sameRow', () => {
  it('holds exactly when the email hash, the claims in order, and a fingerprint the row carries are equal', () => {
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
    const row = { platform: 'crm', record_id: 'x', email_hash: null, claims: ['omnistack:2', 'bookmaster:3'], settled: null };
    expect(sameRow({ ...row, claims: ['bookmaster:3', 'omnistack:2'] }, row)).toBe(false);
  });
});

const recordsArb = fc
  .record({
    platform: fc.constantFrom<Platform>('crm', 'bookmaster'),
    seq: fc.integer({ min: 0, max: 1 }),
    email: fc.option(fc.constantFrom('a@example.com', 'b@example.com'), { nil: null }),
    minute: fc.integer({ min: 0, max: 1 }),
    links: fc.record({ omnistack: fc.constantFrom('o1', 'o2'), supabase: fc.constantFrom('s1', 's2') }, { requiredKeys: [] }),
    extra: fc.option(fc.constantFrom(['o3'], ['o3', 'o4']), { nil: undefined }),
    unreadable: fc.option(fc.constantFrom<UnreadableLink>({ platform: 'omnistack', value: 'oops', reason: 'bad-format' }), { nil: undefined }),
    snapshot: fc.integer({ min: 0, max: 1 }),
    // A CRM user read by key has a name (null: none); every other record, and a scan's, has none at all.
    name: fc.option(fc.constantFrom('Ada', 'Ada King', null), { nil: undefined }),
  })
  .map(({ platform, seq, email, minute, links, extra, unreadable, snapshot, name }) => ({
    ...personRecord(platform, seq, { email, createdAt: minutesIn(minute), links, extraLinks: extra ? { omnistack: extra } : {}, unreadable: unreadable ? [unreadable] : [] }),
    ...(name === undefined ? {} : { name }),
    snapshot: { version: snapshot },
  }));

/**
 * Everything the planner reads of a record, its link entries in PLATFORMS order, and the name the
 * profile propagates when the record was read with one: what a fingerprint stands for.
 */
const plannerView = (record: PersonRecord) =>
  JSON.stringify([
    record.platform,
    record.id,
    record.email,
    record.createdAt.getTime(),
    PLATFORMS.map((platform) => [record.links[platform], record.extraLinks[platform]]),
    record.unreadable,
    ...('name' in record ? [record.name] : []),
  ]);

describe('fingerprint', () => {
  it('is equal for two records exactly when the planner and the profile read the same of both (the snapshot aside)', () => {
    fc.assert(
      fc.property(recordsArb, recordsArb, (left, right) => {
        expect(fingerprint(left) === fingerprint(right)).toBe(plannerView(left) === plannerView(right));
      }),
    );
  });

  it('does not depend on the order a system keeps the link entries in', () => {
    const record = personRecord('crm', 1, { links: { omnistack: 'o1', bookmaster: 'b1' } });
    expect(fingerprint({ ...record, links: { bookmaster: 'b1', omnistack: 'o1' } })).toBe(fingerprint(record));
  });

  it('is a hash: the email it covers cannot be read from it', () => {
    const record = personRecord('crm', 1, { email: 'someone@example.com' });
    expect(fingerprint(record)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('emailHash', () => {
  it('is the sha256 of the address as UTF-8, in hex, as every row already stored holds it', () => {
    // Digests computed apart (`printf %s '...' | sha256sum`): a change of algorithm or encoding
    // would leave every held row unmatched.
    expect(emailHash('someone@example.com')).toBe('72497f475e4f76d0b28f57c73a084ece576d170874eba3ee2609d9afe4b71aab');
    expect(emailHash('zoë@exämple.com')).toBe('3abc8c4181ce083da42fe2a9d12b3ffcc989d5cb4bc38fcced91030b89684a55');
  });
});
