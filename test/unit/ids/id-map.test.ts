import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PLATFORMS, readIdMap, writeIdMap } from '../../../src/ids/index.ts';
import type { Links, Platform } from '../../../src/ids/index.ts';
import {
  CANONICAL_PATTERN,
  foreignKeyArb,
  foreignMapArb,
  linksArb,
  mapSpellingArb,
  nonStringArb,
  OPERATOR_OBJECTS,
  PLATFORM_KEYS,
  platformArb,
  thrownBy,
} from './fixtures.ts';

const OBJECT_ID = '507f1f77bcf86cd799439011';
const UUID = '9b2a4c8e-1d3f-4e5a-8b7c-0d1e2f3a4b5c';

function withoutOwner(owner: Platform, links: Links): Links {
  return Object.fromEntries(Object.entries(links).filter(([platform]) => platform !== owner));
}

/** A stored map whose links are spelled in any tolerated way, mixed with foreign keys. */
const spelledMapArb = fc.tuple(platformArb, linksArb, foreignMapArb).chain(([owner, links, foreign]) => {
  const linked = withoutOwner(owner, links);
  const spellings = Object.fromEntries(
    Object.entries(linked).map(([platform, id]) => [platform, mapSpellingArb(platform as Platform, id)]),
  );
  return fc.record(spellings).map((spelled) => ({ owner, links: linked, foreign, stored: { ...foreign, ...spelled } }));
});

/** Anything a database could hand back: junk, operator objects and real spellings under any key. */
const storedValueArb = fc.oneof(
  fc.anything(),
  fc.dictionary(
    fc.oneof(platformArb, foreignKeyArb),
    fc.oneof(
      fc.anything(),
      fc.constantFrom(...OPERATOR_OBJECTS),
      linksArb.chain((links) => fc.constantFrom(...Object.values(links), null)),
    ),
  ),
);

describe('writeIdMap then readIdMap', () => {
  it('property: round-trips arbitrary links and foreign keys exactly', () => {
    fc.assert(
      fc.property(platformArb, linksArb, foreignMapArb, (owner, links, foreign) => {
        const read = readIdMap(owner, writeIdMap(owner, links, foreign));
        expect(read.shape).toBe('object');
        expect(read.links).toEqual(withoutOwner(owner, links));
        expect(read.malformed).toEqual([]);
        expect(read.foreign).toEqual(foreign);
        expect(Object.keys(read.foreign)).toEqual(Object.keys(foreign));
      }),
    );
  });

  it("property: never writes the owner's key; platform keys in PLATFORMS order, foreign keys in their order", () => {
    fc.assert(
      fc.property(platformArb, linksArb, foreignMapArb, (owner, links, foreign) => {
        const written = writeIdMap(owner, links, foreign);
        const keys = Object.keys(written);
        expect(keys).not.toContain(owner);
        const platformKeys = keys.filter((key) => (PLATFORM_KEYS as readonly string[]).includes(key));
        expect(platformKeys).toEqual(PLATFORMS.filter((platform) => platform !== owner && links[platform] !== undefined));
        expect(keys.filter((key) => !platformKeys.includes(key))).toEqual(Object.keys(foreign));
      }),
    );
  });

  it('does not change its inputs', () => {
    const links = Object.freeze({ supabase: UUID.toUpperCase() });
    const foreign = Object.freeze({ note: 'kept' });
    expect(writeIdMap('crm', links, foreign)).toEqual({ supabase: UUID, note: 'kept' });
    expect(links).toEqual({ supabase: UUID.toUpperCase() });
  });
});

describe('readIdMap: tolerant reading, canonical writing', () => {
  it('property: every tolerated spelling reads as the canonical link and writes canonically', () => {
    fc.assert(
      fc.property(spelledMapArb, ({ owner, links, foreign, stored }) => {
        const read = readIdMap(owner, stored);
        expect(read.links).toEqual(links);
        expect(read.malformed).toEqual([]);
        expect(writeIdMap(owner, read.links, read.foreign)).toEqual(writeIdMap(owner, links, foreign));
      }),
    );
  });

  it('reads the guide-era CRM map (legacy omni_ prefix, upper-case hex) into its canonical form', () => {
    const stored = {
      supabase: `supabase_${UUID.toUpperCase()}`,
      omnistack: `omni_${OBJECT_ID.toUpperCase()}`,
      bookmaster: 'bm_456789123',
    };
    const read = readIdMap('crm', stored);
    const canonical = { omnistack: OBJECT_ID, supabase: UUID, bookmaster: 'bm_456789123' };
    expect(writeIdMap('crm', read.links, read.foreign)).toEqual(canonical);
  });

  it('property: reading anything never throws, yields only canonical links, and write(read(..)) is a fixed point', () => {
    fc.assert(
      fc.property(platformArb, storedValueArb, (owner, stored) => {
        const read = readIdMap(owner, stored);
        for (const [platform, id] of Object.entries(read.links)) {
          expect(platform).not.toBe(owner);
          expect(id).toMatch(CANONICAL_PATTERN[platform as Platform]);
        }
        const once = writeIdMap(owner, read.links, read.foreign);
        const again = readIdMap(owner, once);
        expect(again.malformed).toEqual([]);
        expect(writeIdMap(owner, again.links, again.foreign)).toEqual(once);
      }),
    );
  });
});

describe('readIdMap: malformed values', () => {
  it.each([
    ['operator object $ne', 'not-a-string', { $ne: null }],
    ['operator object $gt', 'not-a-string', { $gt: '' }],
    ['number', 'not-a-string', 42],
    ['boolean', 'not-a-string', true],
    ['array of the id', 'not-a-string', [UUID]],
    ['empty string', 'empty', ''],
    ['prefix only', 'empty', 'supabase_'],
    ['one character wrong', 'bad-format', `${UUID.slice(0, -1)}g`],
    ['hyphens missing', 'bad-format', UUID.replaceAll('-', '')],
    ['padded', 'too-long', ` ${UUID}`],
    ['another platform prefix', 'too-long', `crm_${UUID}`],
    ['10 kB', 'too-long', 'a'.repeat(10_240)],
    ['the seed guide example', 'bad-format', 'auth0|123456789'],
  ])('crm map, supabase key: %s is %s', (_label, reason, value) => {
    const read = readIdMap('crm', { supabase: value, bookmaster: 'bm_1' });
    expect(read.malformed).toEqual([{ platform: 'supabase', value, reason }]);
    expect(read.links).toEqual({ bookmaster: 'bm_1' });
  });

  it('property: any non-string, non-null value under a linked platform key is not-a-string', () => {
    const nonNullish = nonStringArb.filter((value) => value !== null && value !== undefined);
    const ownerAndLinked = platformArb.chain((owner) =>
      fc.constantFrom(...PLATFORM_KEYS.filter((key) => key !== owner)).map((linked) => ({ owner, linked })),
    );
    fc.assert(
      fc.property(ownerAndLinked, nonNullish, ({ owner, linked }, value) => {
        const read = readIdMap(owner, { [linked]: value });
        expect(read.links).toEqual({});
        expect(read.malformed).toEqual([{ platform: linked, value, reason: 'not-a-string' }]);
      }),
    );
  });

  it("property: the owner's own key is a self-reference and never a link, even with a valid id", () => {
    fc.assert(
      fc.property(platformArb, fc.oneof(fc.constantFrom(OBJECT_ID, UUID), fc.string({ minLength: 1 })), (owner, value) => {
        const read = readIdMap(owner, { [owner]: value });
        expect(read.links).toEqual({});
        expect(read.malformed).toEqual([{ platform: owner, value, reason: 'self-reference' }]);
        expect(writeIdMap(owner, read.links, read.foreign)).toEqual({});
      }),
    );
  });

  it.each([null, undefined])('a %s value is no link and no finding', (value) => {
    const read = readIdMap('supabase', { crm: value, supabase: value });
    expect(read).toEqual({ shape: 'object', links: {}, malformed: [], foreign: {} });
  });
});

describe('readIdMap: the value as a whole', () => {
  it.each([null, undefined])('%s is an absent map', (value) => {
    expect(readIdMap('crm', value)).toEqual({ shape: 'absent', links: {}, malformed: [], foreign: {} });
  });

  it.each([
    ['array', [OBJECT_ID]],
    ['array of pairs', [['supabase', UUID]]],
    ['JSON text', JSON.stringify({ supabase: UUID })],
    ['number', 1],
    ['Date', new Date(0)],
    ['Map', new Map([['supabase', UUID]])],
    ['class instance', new (class Wrapper { supabase = UUID })()],
  ])('a %s is not-an-object, with no links taken from it', (_label, value) => {
    expect(readIdMap('crm', value)).toEqual({ shape: 'not-an-object', links: {}, malformed: [], foreign: {} });
  });

  it('reads a null-prototype object like any other', () => {
    const stored = Object.assign(Object.create(null) as Record<string, unknown>, { supabase: UUID, note: 1 });
    expect(readIdMap('crm', stored)).toMatchObject({ shape: 'object', links: { supabase: UUID }, foreign: { note: 1 } });
  });
});

describe('foreign keys', () => {
  it.each(['CRM', 'Supabase', 'omni', 'supabaseId', 'crm_id', '0', 'constructor'])('%s is foreign and kept as it is', (key) => {
    const read = readIdMap('bookmaster', { [key]: { any: ['shape'] }, crm: OBJECT_ID });
    expect(read.foreign).toEqual({ [key]: { any: ['shape'] } });
    expect(writeIdMap('bookmaster', read.links, read.foreign)).toEqual({ crm: OBJECT_ID, [key]: { any: ['shape'] } });
  });

  it('keeps a __proto__ key as data and pollutes nothing', () => {
    const stored: unknown = JSON.parse(`{"__proto__": {"polluted": true}, "crm": "${OBJECT_ID}"}`);
    const read = readIdMap('supabase', stored);
    const written = writeIdMap('supabase', read.links, read.foreign);
    expect(Object.getPrototypeOf(written)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(written, '__proto__')?.value).toEqual({ polluted: true });
    expect(Object.getPrototypeOf(read.foreign)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(JSON.parse(JSON.stringify(written))).toEqual(stored);
  });
});

describe('writeIdMap: refusals', () => {
  it.each([
    ['not an id', { supabase: 'auth0|123' }],
    ['a prefixed id', { omnistack: `omni_${OBJECT_ID}` }],
    ['an id of another platform', { bookmaster: OBJECT_ID }],
    ['an operator object', { omnistack: { $ne: null } as unknown as string }],
  ])('throws IDSYNC_ERR_INVALID_ID for %s', (_label, links) => {
    expect(thrownBy(() => writeIdMap('crm', links))).toMatchObject({ code: 'IDSYNC_ERR_INVALID_ID' });
  });

  it.each(PLATFORM_KEYS)('throws IDSYNC_ERR_INVALID_FOREIGN for a foreign key named %s', (key) => {
    expect(thrownBy(() => writeIdMap('crm', {}, { [key]: OBJECT_ID }))).toMatchObject({ code: 'IDSYNC_ERR_INVALID_FOREIGN' });
  });

  it("leaves out the owner's own link, so a person's full set of links can be passed", () => {
    expect(writeIdMap('crm', { crm: OBJECT_ID, supabase: UUID })).toEqual({ supabase: UUID });
  });
});
