import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../../src/ids/index.ts';
import type { RecordKey } from '../../../src/ids/index.ts';
import { RecordKeyMap, uniqueKeys } from '../../../src/ids/record-key-map.ts';

/*
 * The map must behave exactly as a Map keyed by `platform:id` does: the traversal it serves was
 * written against one, and the order of its values is the order of gather's findings.
 */

// Few ids, and the same ids on every platform, so keys repeat and differ by platform alone.
const keyArb: fc.Arbitrary<RecordKey> = fc.record({ platform: fc.constantFrom(...PLATFORMS), id: fc.constantFrom('a', 'b', 'c', 'd') });

type Op = { readonly op: 'set'; readonly key: RecordKey; readonly value: number } | { readonly op: 'delete'; readonly key: RecordKey };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('set' as const), key: keyArb, value: fc.integer() }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), key: keyArb }), weight: 1 },
);

const text = (key: RecordKey): string => `${key.platform}:${key.id}`;

describe('uniqueKeys', () => {
  it('property: keeps each key once, at its first place, as a Set of platform:id does', () => {
    fc.assert(
      fc.property(fc.array(keyArb, { maxLength: 30 }), (keys) => {
        expect(uniqueKeys(keys).map(text)).toEqual([...new Set(keys.map(text))]);
      }),
    );
  });
});

describe('RecordKeyMap', () => {
  // Few keys, searched in order; and many, past the point where the map indexes them (more than 8).
  it.each([
    ['few keys', { maxLength: 8 }],
    ['many keys', { minLength: 30, maxLength: 80 }],
  ])('property: after any sets and deletes (%s), answers as a Map keyed by platform:id', (_, length) => {
    fc.assert(
      fc.property(fc.array(opArb, length), fc.array(keyArb, { maxLength: 8 }), (ops, probes) => {
        const map = new RecordKeyMap<number>();
        const model = new Map<string, number>();
        for (const step of ops) {
          if (step.op === 'set') {
            map.set({ ...step.key }, step.value);
            model.set(text(step.key), step.value);
          } else {
            expect(map.delete({ ...step.key })).toBe(model.delete(text(step.key)));
          }
        }
        expect(map.size).toBe(model.size);
        expect(map.values()).toEqual([...model.values()]);
        expect(map.keys().map(text)).toEqual([...model.keys()]);
        for (const probe of probes) {
          expect(map.has(probe)).toBe(model.has(text(probe)));
          expect(map.get(probe)).toBe(model.get(text(probe)));
        }
      }),
    );
  });

  it('keeps a key set again in its first place, with the new value', () => {
    const map = new RecordKeyMap<string>();
    map.set({ platform: 'crm', id: 'a' }, 'first').set({ platform: 'omnistack', id: 'a' }, 'second').set({ platform: 'crm', id: 'a' }, 'again');
    expect(map.values()).toEqual(['again', 'second']);
  });
});
