import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readOmniExternalIds, writeOmniExternalIds } from '../../../src/ids/index.ts';
import type { Links } from '../../../src/ids/index.ts';
import {
  CANONICAL_PATTERN,
  canonicalIdArb,
  foreignEntryArb,
  linksArb,
  nonStringArb,
  OBJECT_ID_LENGTH,
  omniSpellingArb,
  OPERATOR_OBJECTS,
  thrownBy,
} from './fixtures.ts';

const OBJECT_ID = '507f1f77bcf86cd799439011';
const OTHER_OBJECT_ID = '65a1b2c3d4e5f60718293a4b';
const UUID = '9b2a4c8e-1d3f-4e5a-8b7c-0d1e2f3a4b5c';
const TEN_KB = 10_240;
const LINKED = ['crm', 'supabase', 'bookmaster'] as const;
const EMPTY_READ = { links: {}, extra: {}, malformed: [], foreign: [] };

function linkedOnly(links: Links): Links {
  const { omnistack: _ignored, ...linked } = links;
  return linked;
}

function canonicalEntries(links: Links): string[] {
  const entries: string[] = [];
  if (links.crm !== undefined) entries.push(`crm_${links.crm}`);
  if (links.supabase !== undefined) entries.push(`supabase_${links.supabase}`);
  if (links.bookmaster !== undefined) entries.push(links.bookmaster);
  return entries;
}

/** Inserts `owned` entries at arbitrary positions, keeping the foreign entries' relative order. */
function interleavedArb(foreign: string[], owned: string[]): fc.Arbitrary<string[]> {
  return fc.array(fc.nat({ max: foreign.length }), { minLength: owned.length, maxLength: owned.length }).map((positions) => {
    const merged = [...foreign];
    positions.forEach((position, index) => merged.splice(Math.min(position + index, merged.length), 0, owned[index] ?? ''));
    return merged;
  });
}

/** A stored array: foreign entries plus every link spelled in any tolerated way, some repeated. */
const spelledArrayArb = fc.tuple(linksArb, fc.array(foreignEntryArb, { maxLength: 5 })).chain(([links, foreign]) => {
  const spellings = LINKED.flatMap((platform) => {
    const id = links[platform];
    return id === undefined ? [] : [fc.array(omniSpellingArb(platform, id), { minLength: 1, maxLength: 3 })];
  });
  return fc
    .tuple(...spellings)
    .chain((groups) => interleavedArb(foreign, groups.flat()))
    .map((stored) => ({ links: linkedOnly(links), foreign, stored }));
});

const entryArb = fc.oneof(
  fc.anything(),
  foreignEntryArb,
  fc.constantFrom(...OPERATOR_OBJECTS, `omni_${OBJECT_ID}`, 'omnistack_x', 'crm_zzz', 'bm_', '', `bm_${'a'.repeat(TEN_KB)}`),
  fc.string().map((junk) => `crm_${junk}`),
  fc.constantFrom(...LINKED).chain((platform) => canonicalIdArb(platform).chain((id) => omniSpellingArb(platform, id))),
);

describe('writeOmniExternalIds then readOmniExternalIds', () => {
  it('property: round-trips arbitrary links and foreign entries, in order', () => {
    fc.assert(
      fc.property(linksArb, fc.array(foreignEntryArb, { maxLength: 6 }), (links, foreign) => {
        const read = readOmniExternalIds(writeOmniExternalIds(links, foreign));
        expect(read).toEqual({ shape: 'array', ...EMPTY_READ, links: linkedOnly(links), foreign });
      }),
    );
  });

  it('property: writes foreign entries first, then crm, supabase, bookmaster; never an omnistack entry', () => {
    fc.assert(
      fc.property(linksArb, fc.array(foreignEntryArb, { maxLength: 6 }), (links, foreign) => {
        const written = writeOmniExternalIds(links, foreign);
        expect(written).toEqual([...foreign, ...canonicalEntries(links)]);
        const owned = written.slice(foreign.length);
        expect(new Set(owned).size).toBe(owned.length);
        expect(owned.filter((entry) => entry.startsWith('omni'))).toEqual([]);
      }),
    );
  });

  it('keeps duplicate foreign entries: they are not ours to tidy', () => {
    const foreign = ['stripe_cus_1', 'legacy-42', 'stripe_cus_1'];
    expect(writeOmniExternalIds({ crm: OBJECT_ID }, foreign)).toEqual([...foreign, `crm_${OBJECT_ID}`]);
    expect(readOmniExternalIds(foreign).foreign).toEqual(foreign);
  });
});

describe('readOmniExternalIds: tolerant reading, canonical writing', () => {
  it('property: any spelling, order and repetition of the links reads canonically and writes canonically', () => {
    fc.assert(
      fc.property(spelledArrayArb, ({ links, foreign, stored }) => {
        const read = readOmniExternalIds(stored);
        expect(read).toEqual({ shape: 'array', ...EMPTY_READ, links, foreign });
        expect(writeOmniExternalIds(read.links, read.foreign)).toEqual([...foreign, ...canonicalEntries(links)]);
      }),
    );
  });

  it.each([
    ['upper-case hex', [`crm_${OBJECT_ID.toUpperCase()}`, `supabase_${UUID.toUpperCase()}`], { crm: OBJECT_ID, supabase: UUID }],
    ['legacy bare CRM ObjectId (the guide wrote [staffData.id])', [OBJECT_ID], { crm: OBJECT_ID }],
    ['Bookmaster id as it is, case kept', ['bm_AbC1'], { bookmaster: 'bm_AbC1' }],
  ])('%s', (_label, stored, links) => {
    expect(readOmniExternalIds(stored).links).toEqual(links);
  });

  it('property: reading anything never throws, yields only canonical links, and write(read(..)) is a fixed point', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.array(entryArb, { maxLength: 8 })), (stored) => {
        const read = readOmniExternalIds(stored);
        for (const [platform, id] of Object.entries(read.links)) expect(id).toMatch(CANONICAL_PATTERN[platform as 'crm']);
        const once = writeOmniExternalIds(read.links, read.foreign);
        const again = readOmniExternalIds(once);
        expect(again).toMatchObject({ extra: {}, malformed: [] });
        expect(writeOmniExternalIds(again.links, again.foreign)).toEqual(once);
      }),
    );
  });
});

describe('readOmniExternalIds: several values for one platform', () => {
  it('keeps the first as the link and reports the other distinct values as extra', () => {
    const crmSpellings = [`crm_${OBJECT_ID}`, OTHER_OBJECT_ID.toUpperCase(), OBJECT_ID, `crm_${OTHER_OBJECT_ID}`];
    const stored = [...crmSpellings, 'bm_1', 'bm_2', 'bm_1'];
    const read = readOmniExternalIds(stored);
    expect(read.links).toEqual({ crm: OBJECT_ID, bookmaster: 'bm_1' });
    expect(read.extra).toEqual({ crm: [OTHER_OBJECT_ID], bookmaster: ['bm_2'] });
    expect(writeOmniExternalIds(read.links, read.foreign)).toEqual([`crm_${OBJECT_ID}`, 'bm_1']);
  });

  it('property: links hold the first value, extra the later distinct ones, in order', () => {
    fc.assert(
      fc.property(fc.array(canonicalIdArb('supabase'), { minLength: 1, maxLength: 6 }), (ids) => {
        const read = readOmniExternalIds(ids.map((id) => `supabase_${id}`));
        const distinct = [...new Set(ids)];
        expect(read.links).toEqual({ supabase: distinct[0] });
        expect(read.extra).toEqual(distinct.length > 1 ? { supabase: distinct.slice(1) } : {});
      }),
    );
  });
});

describe('readOmniExternalIds: malformed entries', () => {
  it.each([
    ['crm_zzz', 'crm', 'bad-format'],
    ['crm_', 'crm', 'empty'],
    [`crm_${OBJECT_ID.slice(1)}`, 'crm', 'bad-format'],
    [`crm_${OBJECT_ID}0`, 'crm', 'too-long'],
    [`crm_${'a'.repeat(TEN_KB)}`, 'crm', 'too-long'],
    ['crm_123456789', 'crm', 'bad-format'],
    [`supabase_${OBJECT_ID}`, 'supabase', 'bad-format'],
    [`supabase_${UUID.replaceAll('-', '')}`, 'supabase', 'bad-format'],
    ['bm_', 'bookmaster', 'bad-format'],
    ['bm_12-34', 'bookmaster', 'bad-format'],
    [`bm_${'a'.repeat(TEN_KB)}`, 'bookmaster', 'too-long'],
    [`omni_${OBJECT_ID}`, 'omnistack', 'self-reference'],
    [`omnistack_${OBJECT_ID}`, 'omnistack', 'self-reference'],
    ['omni_', 'omnistack', 'self-reference'],
    ['', null, 'empty'],
    [42, null, 'not-a-string'],
    [null, null, 'not-a-string'],
    [{ $ne: null }, null, 'not-a-string'],
    [{ $gt: '' }, null, 'not-a-string'],
    [[`crm_${OBJECT_ID}`], null, 'not-a-string'],
  ])('%j is %s %s', (entry, platform, reason) => {
    const read = readOmniExternalIds(['stripe_cus_1', entry, 'bm_7']);
    expect(read.malformed).toEqual([{ index: 1, value: entry, platform, reason }]);
    expect(read.links).toEqual({ bookmaster: 'bm_7' });
    expect(read.foreign).toEqual(['stripe_cus_1']);
  });

  it('property: crm_ followed by anything but an ObjectId is a malformed crm entry', () => {
    const junk = fc.string().filter((text) => !/^[0-9a-fA-F]{24}$/.test(text));
    fc.assert(
      fc.property(junk, (text) => {
        const reason = text === '' ? 'empty' : text.length > OBJECT_ID_LENGTH ? 'too-long' : 'bad-format';
        const read = readOmniExternalIds([`crm_${text}`]);
        const malformed = [{ index: 0, value: `crm_${text}`, platform: 'crm', reason }];
        expect(read).toEqual({ shape: 'array', ...EMPTY_READ, malformed });
      }),
    );
  });

  it('property: a non-string entry is not-a-string, at its index', () => {
    fc.assert(
      fc.property(fc.array(foreignEntryArb, { maxLength: 3 }), nonStringArb, (foreign, entry) => {
        const read = readOmniExternalIds([...foreign, entry]);
        expect(read.malformed).toEqual([{ index: foreign.length, value: entry, platform: null, reason: 'not-a-string' }]);
        expect(read.foreign).toEqual(foreign);
      }),
    );
  });
});

describe('readOmniExternalIds: foreign entries and the value as a whole', () => {
  it.each(['stripe_cus_123', 'legacy-42', 'CRM_507f1f77bcf86cd799439011', 'BM_1042', UUID, 'x'.repeat(TEN_KB)])(
    '%s is foreign and kept as it is',
    (entry) => {
      const read = readOmniExternalIds([entry, `crm_${OBJECT_ID}`]);
      expect(read).toEqual({ shape: 'array', ...EMPTY_READ, links: { crm: OBJECT_ID }, foreign: [entry] });
    },
  );

  it.each([null, undefined])('%s is an absent array', (value) => {
    expect(readOmniExternalIds(value)).toEqual({ shape: 'absent', ...EMPTY_READ });
  });

  it.each([
    ['a single entry', `crm_${OBJECT_ID}`],
    ['an object', { crm: OBJECT_ID }],
    ['a number', 7],
    ['a Set', new Set([`crm_${OBJECT_ID}`])],
  ])('%s is not-an-array, with no links taken from it', (_label, value) => {
    expect(readOmniExternalIds(value)).toEqual({ shape: 'not-an-array', ...EMPTY_READ });
  });
});

describe('writeOmniExternalIds: refusals', () => {
  it.each([
    ['an entry with our prefix', `crm_${OBJECT_ID}`],
    ['malformed junk with our prefix', 'crm_zzz'],
    ['a legacy bare CRM id', OBJECT_ID],
    ['a self-reference', `omni_${OBJECT_ID}`],
    ['a Bookmaster id', 'bm_1'],
    ['the empty string', ''],
    ['a non-string', { $ne: null } as unknown as string],
  ])('throws IDSYNC_ERR_INVALID_FOREIGN for %s passed as foreign', (_label, entry) => {
    expect(thrownBy(() => writeOmniExternalIds({}, [entry]))).toMatchObject({ code: 'IDSYNC_ERR_INVALID_FOREIGN' });
  });

  it.each([
    ['a prefixed crm id', { crm: `crm_${OBJECT_ID}` }],
    ['junk', { supabase: 'not-a-uuid' }],
    ['a 10 kB string', { bookmaster: `bm_${'a'.repeat(TEN_KB)}` }],
  ])('throws IDSYNC_ERR_INVALID_ID for a link that is %s', (_label, links) => {
    expect(thrownBy(() => writeOmniExternalIds(links))).toMatchObject({ code: 'IDSYNC_ERR_INVALID_ID' });
  });

  it('leaves out the omnistack link without validating it, and canonicalises the case of the others', () => {
    expect(writeOmniExternalIds({ omnistack: 'whatever', crm: OBJECT_ID.toUpperCase() })).toEqual([`crm_${OBJECT_ID}`]);
  });
});
