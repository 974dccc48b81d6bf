import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinName, normalizeName, planEmail, planFullName, planName, splitName, usableEmail } from '../../../src/platforms/profile-rules.ts';

/*
 * The propagate job's pure rules. The oracles are the documented rules (README design notes):
 * whitespace-normalized names split at the last space, emails compared trimmed and
 * case-insensitively, and a blank CRM value never blanks a stored one.
 */

const RUNS = { numRuns: 500 };

/** A word: no whitespace, at least one character (letters, digits, punctuation and beyond ASCII). */
const wordArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((word) => !/\s/.test(word));
const spaceArb = fc.constantFrom(' ', '  ', '\t', '\u00a0', ' \n ');
/** A name as someone might type it: words with any whitespace between and around them. */
const typedNameArb = fc
  .tuple(fc.array(fc.tuple(wordArb, spaceArb), { minLength: 1, maxLength: 5 }), spaceArb, spaceArb)
  .map(([words, before, after]) => `${before}${words.map(([word, space]) => `${word}${space}`).join('')}${after}`);
const multiWordArb = fc.array(wordArb, { minLength: 2, maxLength: 5 }).map((words) => words.join(' '));
const storedValueArb = fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant(''), fc.constant('  '), fc.integer(), typedNameArb);
const storedPairArb = fc.record({ name: storedValueArb, surname: storedValueArb });

function applyName(stored: { name: unknown; surname: unknown }, crmName: unknown) {
  const write = planName(crmName, stored);
  return { ...stored, ...write?.set };
}

describe('names', () => {
  it.each<[string, unknown, { name?: string; surname?: string } | null, string | null]>([
    ['a two-word name on a different person', 'Grace Hopper', { name: 'Grace', surname: 'Hopper' }, 'crm-name-last-space'],
    ['a middle name: given names, then the last word', 'Augusta Ada King', { name: 'Augusta Ada', surname: 'King' }, 'crm-name-last-space'],
    ['a new surname only', 'Ada Byron', { surname: 'Byron' }, 'crm-name-last-space'],
    ['the same name with other spacing', '  Ada   Lovelace ', null, null],
    ['a one-word name: name only, the surname stays', 'Cher', { name: 'Cher' }, 'crm-name-one-word'],
    ['a one-word name equal to the stored name', 'Ada', null, null],
    ['no name', undefined, null, null],
    ['a blank name', '   ', null, null],
    ['a name that is not a string', { $ne: null }, null, null],
    ['a change of letter case', 'ada lovelace', { name: 'ada', surname: 'lovelace' }, 'crm-name-last-space'],
  ])('%s', (_label, crmName, set, rule) => {
    const write = planName(crmName, { name: 'Ada', surname: 'Lovelace' });
    expect(write?.set ?? null).toEqual(set);
    expect(write?.rule ?? null).toBe(rule);
  });

  it('keeps a stored split that reads as the CRM name, however it is split', () => {
    expect(planName('Ludwig van Beethoven', { name: 'Ludwig', surname: 'van Beethoven' })).toBeNull();
    expect(planName('Ludwig van Beethoven', { name: 'Ludwig van Beethoven', surname: '' })).toBeNull();
  });

  it('normalizes whitespace: one space between words, none around, null when blank', () => {
    fc.assert(
      fc.property(fc.oneof(typedNameArb, fc.string(), spaceArb), (typed) => {
        const normalized = normalizeName(typed);
        if (normalized === null) expect(typed.trim()).toBe('');
        else expect(normalized).toBe(typed.trim().split(/\s+/).join(' '));
      }),
      RUNS,
    );
  });

  it('split then join gives back every normalized name with a space', () => {
    fc.assert(
      fc.property(multiWordArb, (full) => {
        const parts = splitName(full);
        expect(parts.surname).not.toBeNull();
        expect(parts.name.length).toBeGreaterThan(0);
        expect(parts.surname).not.toContain(' ');
        expect(joinName(parts.name, parts.surname)).toBe(full);
      }),
      RUNS,
    );
  });

  it('never plans an empty write or an empty value, and writes nothing for a blank CRM name', () => {
    fc.assert(
      fc.property(fc.oneof(typedNameArb, storedValueArb), storedPairArb, (crmName, stored) => {
        const write = planName(crmName, stored);
        if (normalizeName(crmName) === null) expect(write).toBeNull();
        if (write === null) return;
        expect(Object.keys(write.set).length).toBeGreaterThan(0);
        for (const value of Object.values(write.set)) expect(value?.trim()).toBe(value);
        for (const value of Object.values(write.set)) expect(value).not.toBe('');
      }),
      RUNS,
    );
  });

  it('is idempotent: after its write, planning again writes nothing', () => {
    fc.assert(
      fc.property(fc.oneof(typedNameArb, storedValueArb), storedPairArb, (crmName, stored) => {
        expect(planName(crmName, applyName(stored, crmName))).toBeNull();
      }),
      RUNS,
    );
  });

  it('makes a multi-word CRM name read back exactly, and only ever writes the fields that differ', () => {
    fc.assert(
      fc.property(typedNameArb.filter((name) => (normalizeName(name) ?? '').includes(' ')), storedPairArb, (crmName, stored) => {
        const write = planName(crmName, stored);
        for (const [field, value] of Object.entries(write?.set ?? {})) expect(stored[field as 'name' | 'surname']).not.toBe(value);
        const after = applyName(stored, crmName);
        expect(joinName(after.name, after.surname)).toBe(normalizeName(crmName));
      }),
      RUNS,
    );
  });
});

describe('full names (one field)', () => {
  it.each<[string, unknown, unknown, string | null]>([
    ['a new name', 'Ada King', 'Ada Lovelace', 'Ada King'],
    ['the CRM name, whitespace collapsed', '  Ada \t King ', 'Ada Lovelace', 'Ada King'],
    ['only spacing differs', 'Ada  Lovelace', ' Ada Lovelace ', null],
    ['letter case differs', 'ada lovelace', 'Ada Lovelace', 'ada lovelace'],
    ['no CRM name', undefined, 'Ada Lovelace', null],
    ['a blank CRM name', '   ', 'Ada Lovelace', null],
    ['an operator object', { $ne: null }, 'Ada Lovelace', null],
    ['a stored name that is not a string', 'Ada', 42, 'Ada'],
    ['no stored name', 'Ada', null, 'Ada'],
  ])('%s', (_label, crm, stored, expected) => {
    expect(planFullName(crm, stored)).toBe(expected);
  });

  it('writes the normalized CRM name or nothing, never a blank, and nothing once written', () => {
    fc.assert(
      fc.property(fc.oneof(typedNameArb, storedValueArb), storedValueArb, (crmName, stored) => {
        const planned = planFullName(crmName, stored);
        if (planned === null) return;
        expect(planned).toBe(normalizeName(crmName));
        expect(planned.trim()).not.toBe('');
        expect(planFullName(crmName, planned)).toBeNull();
      }),
      RUNS,
    );
  });
});

describe('emails', () => {
  it.each<[string, unknown, unknown, string | null]>([
    ['a new address', 'new@example.com', 'old@example.com', 'new@example.com'],
    ['the CRM spelling, trimmed', '  New@Example.com ', 'old@example.com', 'New@Example.com'],
    ['only letter case differs', 'ADA@example.com', 'ada@example.com', null],
    ['only padding differs', 'ada@example.com', ' ada@example.com ', null],
    ['no CRM email', undefined, 'ada@example.com', null],
    ['a blank CRM email', '   ', 'ada@example.com', null],
    ['a CRM email that is no address', 'ada at example', 'ada@example.com', null],
    ['a CRM email with a control character', 'ada\u0000@example.com', 'ada@example.com', null],
    ['an operator object', { $ne: null }, 'ada@example.com', null],
    ['a stored email that is not a string', 'ada@example.com', 42, 'ada@example.com'],
    ['no stored email', 'ada@example.com', undefined, 'ada@example.com'],
  ])('%s', (_label, crm, stored, expected) => {
    expect(planEmail(crm, stored)).toBe(expected);
  });

  it('writes the trimmed CRM address or nothing, and nothing once written', () => {
    const emailArb = fc.oneof(fc.emailAddress(), fc.emailAddress().map((email) => ` ${email.toUpperCase()} `), fc.string(), fc.constant(undefined));
    fc.assert(
      fc.property(emailArb, fc.oneof(emailArb, fc.integer()), (crm, stored) => {
        const planned = planEmail(crm, stored);
        if (planned === null) return;
        expect(planned).toBe(usableEmail(crm));
        expect(planned).toBe((crm as string).trim());
        expect(planEmail(crm, planned)).toBeNull();
      }),
      RUNS,
    );
  });

  it('refuses an address longer than 320 characters', () => {
    expect(usableEmail(`${'a'.repeat(64)}@${'b'.repeat(300)}.com`)).toBeNull();
  });
});
