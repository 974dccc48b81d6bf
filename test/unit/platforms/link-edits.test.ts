import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PLATFORMS, readIdMap, readOmniExternalIds } from '../../../src/ids/index.ts';
import type { Links, Platform } from '../../../src/ids/index.ts';
import { requireLinkChange } from '../../../src/platforms/adapter-support.ts';
import type { LinkTargets } from '../../../src/platforms/adapter-support.ts';
import { editIdMap } from '../../../src/platforms/id-map-edit.ts';
import { editExternalIds } from '../../../src/platforms/omnistack/omnistack-record.ts';
import { canonicalIdArb, foreignEntryArb, foreignMapArb, mapSpellingArb, omniSpellingArb } from '../ids/fixtures.ts';

/*
 * The LinkChange contract (person-record.ts) for the two stored shapes: `set` and `unset` replace
 * everything stored for each named platform; every other entry stays exactly as it was. Checked
 * by reading the edited value back with the codec of src/ids.
 */

const OMNI_LINKED = ['crm', 'supabase', 'bookmaster'] as const;
const OBJECT_ID = '507f1f77bcf86cd799439011';
const UUID = '9b2a4c8e-1d3f-4e5a-8b7c-0d1e2f3a4b5c';

type Role = 'set' | 'unset' | 'keep';
const roleArb = fc.constantFrom<Role>('set', 'unset', 'keep');

/** A change over `platforms` with fresh canonical ids for the set ones, validated for `owner`. */
function changeArb(owner: Platform, platforms: readonly Platform[]) {
  return fc.tuple(...platforms.map((platform) => fc.tuple(fc.constant(platform), roleArb, canonicalIdArb(platform)))).map((roles) => {
    const set: Links = {};
    const unset: Platform[] = [];
    for (const [platform, role, id] of roles) {
      if (role === 'set') set[platform] = id;
      if (role === 'unset') unset.push(platform);
    }
    return { change: { set, unset }, targets: requireLinkChange(owner, { set, unset }) };
  });
}

/** An OmniStack entry of every kind: a link in any tolerated spelling, junk with a prefix, foreign, not a string. */
const omniEntryArb = fc.oneof(
  fc.constantFrom(...OMNI_LINKED).chain((platform) => canonicalIdArb(platform).chain((id) => omniSpellingArb(platform, id))),
  fc.constantFrom<unknown>('crm_junk', 'supabase_', `omni_${OBJECT_ID}`, 42, '', null, { $ne: null }),
  foreignEntryArb,
);

function attributedTo(read: ReturnType<typeof readOmniExternalIds>, platform: Platform) {
  return {
    link: read.links[platform],
    extra: read.extra[platform],
    malformed: read.malformed.filter((entry) => entry.platform === platform).map((entry) => entry.value),
  };
}

describe('editExternalIds (OmniStack array)', () => {
  it('replaces exactly the named platforms and keeps everything else, in order', () => {
    fc.assert(
      fc.property(fc.array(omniEntryArb, { maxLength: 8 }), changeArb('omnistack', PLATFORMS), (stored, { targets }) => {
        const before = readOmniExternalIds(stored);
        const after = readOmniExternalIds(editExternalIds(stored, targets));
        for (const platform of PLATFORMS) {
          if (targets.has(platform)) {
            // The owner's own platform is never stored: naming it only clears self-references.
            expect(attributedTo(after, platform)).toEqual({ link: targets.get(platform) ?? undefined, extra: undefined, malformed: [] });
          } else {
            expect(attributedTo(after, platform)).toEqual(attributedTo(before, platform));
          }
        }
        expect(after.foreign).toEqual(before.foreign);
        expect(after.malformed.filter((entry) => entry.platform === null).map((entry) => entry.value)).toEqual(
          before.malformed.filter((entry) => entry.platform === null).map((entry) => entry.value),
        );
      }),
    );
  });

  it('is idempotent: applying the same change again changes nothing', () => {
    fc.assert(
      fc.property(fc.array(omniEntryArb, { maxLength: 8 }), changeArb('omnistack', PLATFORMS), (stored, { targets }) => {
        const once = editExternalIds(stored, targets);
        expect(editExternalIds(once, targets)).toEqual(once);
      }),
    );
  });

  it('rewrites a legacy entry in place, drops a second id, and appends a new link after foreign entries', () => {
    const targets = requireLinkChange('omnistack', { set: { crm: OBJECT_ID, supabase: UUID }, unset: [] });
    const stored = ['stripe_1', OBJECT_ID.toUpperCase(), 'hubspot_2', `crm_${'0'.repeat(24)}`];
    expect(editExternalIds(stored, targets)).toEqual(['stripe_1', `crm_${OBJECT_ID}`, 'hubspot_2', `supabase_${UUID}`]);
  });

  it('leaves an absent or non-array value alone unless a link is stored', () => {
    const unsetOnly = requireLinkChange('omnistack', { set: {}, unset: ['crm'] });
    expect(editExternalIds(undefined, unsetOnly)).toBeUndefined();
    expect(editExternalIds('crm_x', unsetOnly)).toBe('crm_x');
    const setCrm = requireLinkChange('omnistack', { set: { crm: OBJECT_ID }, unset: [] });
    expect(editExternalIds({ $ne: null }, setCrm)).toEqual([`crm_${OBJECT_ID}`]);
  });
});

/** A stored map: links in any tolerated spelling, malformed values, foreign keys. */
function storedMapArb() {
  const linkEntries = PLATFORMS.map((platform) =>
    fc.option(
      fc.oneof(
        canonicalIdArb(platform).chain((id) => mapSpellingArb(platform, id)),
        fc.constantFrom<unknown>(42, { $ne: null }, 'junk', ''),
      ),
      { nil: undefined },
    ),
  );
  return fc.tuple(foreignMapArb, ...linkEntries).map(([foreign, ...values]) => {
    const map: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(foreign)) Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
    PLATFORMS.forEach((platform, index) => {
      // The owner's own key is a self-reference: malformed, yet attributed to the owner.
      if (values[index] !== undefined) map[platform] = values[index];
    });
    return map;
  });
}

function mapAttributedTo(read: ReturnType<typeof readIdMap>, platform: Platform) {
  return { link: read.links[platform], malformed: read.malformed.filter((entry) => entry.platform === platform).map((entry) => entry.value) };
}

describe('editIdMap (CRM, Bookmaster and Supabase maps)', () => {
  it.each(['crm', 'bookmaster'] as const)('replaces exactly the named platforms of a %s map and keeps every other key', (owner) => {
    fc.assert(
      fc.property(storedMapArb(), changeArb(owner, PLATFORMS), (stored, { targets }) => {
        const before = readIdMap(owner, stored);
        const after = readIdMap(owner, editIdMap(owner, stored, targets));
        for (const platform of PLATFORMS) {
          const expected = targets.has(platform) ? { link: targets.get(platform) ?? undefined, malformed: [] } : mapAttributedTo(before, platform);
          expect(mapAttributedTo(after, platform)).toEqual(expected);
        }
        expect(after.foreign).toEqual(before.foreign);
      }),
    );
  });

  it('keeps a key in place when its value is already right, so that an applied change reads as no change', () => {
    const stored = { omnistack: OBJECT_ID, partner: 'p' };
    const targets: LinkTargets = requireLinkChange('crm', { set: { omnistack: OBJECT_ID }, unset: ['supabase'] });
    expect(Object.entries(editIdMap('crm', stored, targets) as object)).toEqual(Object.entries(stored));
  });

  it('keeps a stored __proto__ key as data', () => {
    const stored = JSON.parse(`{"__proto__": {"polluted": true}, "omnistack": "${OBJECT_ID}"}`) as unknown;
    const edited = editIdMap('crm', stored, requireLinkChange('crm', { set: { supabase: UUID }, unset: [] })) as Record<string, unknown>;
    expect(Object.keys(edited)).toEqual(['__proto__', 'omnistack', 'supabase']);
    expect(Object.getPrototypeOf(edited)).toBe(Object.prototype);
  });
});
