import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashText, NumberColumn, TextColumn } from '../../../src/audit/chunked-columns.ts';
import { compareIds } from '../../../src/reconcile/plan/order.ts';

/*
 * A TextColumn keeps each string in one of several forms (latin1 bytes, hex digits two a byte, a
 * UUID's digits in 16 bytes, or the string itself), and answers every question without making the
 * string: each answer must be what the strings themselves give. The strings mix every form with
 * near misses: a UUID in capitals or with a dash out of place, its digits without the dashes
 * (which pack into the same bytes), odd-length hex, '«' (the byte the hex 'ab' packs into).
 */

const UUID = '0f1e2d3c-4b5a-4697-8877-665544332211';
const textArb = fc.oneof(
  fc.uuid().map((uuid) => uuid.toLowerCase()),
  fc.constantFrom(UUID, UUID.toUpperCase(), UUID.replaceAll('-', ''), `${UUID.slice(0, 35)}-`, `-${UUID.slice(1)}`, 'ab', '\u00ab', 'abc', ''),
  fc.stringMatching(/^[0-9a-f]{0,30}$/),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ minLength: 120, maxLength: 300 }),
);

function columnOf(texts: readonly string[]): TextColumn {
  const column = new TextColumn();
  texts.forEach((text, position) => column.set(position, text));
  return column;
}

describe('a text column', () => {
  it('answers get, hashAt, holds, sameAs and compareAt as the strings themselves do', () => {
    fc.assert(
      fc.property(fc.array(textArb, { minLength: 1, maxLength: 30 }), (texts) => {
        const column = columnOf(texts);
        texts.forEach((text, position) => {
          expect(column.get(position)).toBe(text);
          expect(column.hashAt(position)).toBe(hashText(text));
          texts.forEach((other, at) => {
            expect(column.holds(position, other)).toBe(text === other);
            expect(column.sameAs(position, column, at)).toBe(text === other);
            expect(Math.sign(column.compareAt(position, at))).toBe(compareIds(text, other));
          });
        });
      }),
      { numRuns: 300 },
    );
  });

  it('tells a position never set from one set, and reads it as undefined', () => {
    const column = columnOf(['a']);
    column.set(3, UUID);
    expect([0, 1, 2, 3].map((position) => column.has(position))).toEqual([true, false, false, true]);
    expect([column.get(1), column.hashAt(1), column.get(3)]).toEqual([undefined, null, UUID]);
  });

  it('compares strings of two columns without making them', () => {
    fc.assert(
      fc.property(fc.array(textArb, { minLength: 1, maxLength: 10 }), fc.array(textArb, { minLength: 1, maxLength: 10 }), (mine, theirs) => {
        const [left, right] = [columnOf(mine), columnOf(theirs)];
        mine.forEach((text, position) => theirs.forEach((other, at) => expect(left.sameAs(position, right, at)).toBe(text === other)));
      }),
    );
  });
});

describe('a number column', () => {
  it('reads back every number set, and 0 where none was', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(200_000), fc.double({ noNaN: true })), { maxLength: 20 }), (entries) => {
        const column = new NumberColumn((length) => new Float64Array(length));
        const sorted = [...new Map(entries).entries()].sort(([left], [right]) => left - right);
        for (const [position, value] of sorted) column.set(position, value);
        const set = new Map(sorted);
        for (const position of [...set.keys(), 0, 65_535, 65_536, 200_001]) expect(Object.is(column.get(position), set.get(position) ?? 0)).toBe(true);
      }),
    );
  });
});
