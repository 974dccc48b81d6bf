import { describe, expect, it } from 'vitest';
import { parseRawId, parseTolerantId, PLATFORMS, readOmniExternalIds } from '../../../src/ids/index.ts';
import type { IdParse, Platform } from '../../../src/ids/index.ts';

/*
 * One table of what every codec does with each bad input, so the whole policy can be read in one
 * place. Columns: the reason parseRawId gives on each platform (crm, omnistack, supabase,
 * bookmaster), the reason parseTolerantId (map values) gives on each platform, and what the
 * OmniStack array reader makes of it as an entry.
 */

const OBJECT_ID = '507f1f77bcf86cd799439011';
const UUID = '9b2a4c8e-1d3f-4e5a-8b7c-0d1e2f3a4b5c';
const TEN_KB = 10_240;
const CYRILLIC_A = '\u0430';
const OVERLONG_BOOKMASTER = `bm_${'a'.repeat(62)}`;

type Reason = Exclude<IdParse, { ok: true }>['reason'] | 'ok';
type Row = [label: string, value: unknown, raw: Reason[], tolerant: Reason[], omniEntry: string];

const NOT_A_STRING: Reason[] = ['not-a-string', 'not-a-string', 'not-a-string', 'not-a-string'];
const EMPTY: Reason[] = ['empty', 'empty', 'empty', 'empty'];
const TOO_LONG: Reason[] = ['too-long', 'too-long', 'too-long', 'too-long'];
const BAD: Reason[] = ['bad-format', 'bad-format', 'bad-format', 'bad-format'];
/** Longer than an ObjectId, but short enough to be judged by pattern on the other two platforms. */
const PAST_OBJECT_ID: Reason[] = ['too-long', 'too-long', 'bad-format', 'bad-format'];
const PAST_UUID: Reason[] = ['too-long', 'too-long', 'too-long', 'bad-format'];
/** A legacy OmniStack spelling: a valid omnistack map value, and nothing else. */
const OMNISTACK_ONLY: Reason[] = ['too-long', 'ok', 'bad-format', 'bad-format'];

const TABLE: Row[] = [
  ['operator $ne', { $ne: null }, NOT_A_STRING, NOT_A_STRING, 'malformed:-:not-a-string'],
  ['operator $gt', { $gt: '' }, NOT_A_STRING, NOT_A_STRING, 'malformed:-:not-a-string'],
  ['number', 42, NOT_A_STRING, NOT_A_STRING, 'malformed:-:not-a-string'],
  ['boolean', false, NOT_A_STRING, NOT_A_STRING, 'malformed:-:not-a-string'],
  ['null', null, NOT_A_STRING, NOT_A_STRING, 'malformed:-:not-a-string'],
  ['array holding an id', [OBJECT_ID], NOT_A_STRING, NOT_A_STRING, 'malformed:-:not-a-string'],
  ['empty string', '', EMPTY, EMPTY, 'malformed:-:empty'],
  ['10 kB of hex', 'a'.repeat(TEN_KB), TOO_LONG, TOO_LONG, 'foreign'],
  ['crm_ + 10 kB', `crm_${'a'.repeat(TEN_KB)}`, TOO_LONG, TOO_LONG, 'malformed:crm:too-long'],
  ['crm_zzz', 'crm_zzz', BAD, BAD, 'malformed:crm:bad-format'],
  ['crm_ only', 'crm_', BAD, ['empty', 'bad-format', 'bad-format', 'bad-format'], 'malformed:crm:empty'],
  ['ObjectId, last char g', `${OBJECT_ID.slice(0, -1)}g`, BAD, BAD, 'foreign'],
  ['ObjectId, Cyrillic a', `${OBJECT_ID.slice(0, -1)}${CYRILLIC_A}`, BAD, BAD, 'foreign'],
  ['ObjectId + 1 char', `${OBJECT_ID}0`, PAST_OBJECT_ID, PAST_OBJECT_ID, 'foreign'],
  ['ObjectId - 1 char', OBJECT_ID.slice(1), BAD, BAD, 'foreign'],
  ['ObjectId + newline', `${OBJECT_ID}\n`, PAST_OBJECT_ID, PAST_OBJECT_ID, 'foreign'],
  ['UUID, one char wrong', `${UUID.slice(0, -1)}x`, PAST_OBJECT_ID, PAST_OBJECT_ID, 'foreign'],
  ['UUID, no hyphens', UUID.replaceAll('-', ''), PAST_OBJECT_ID, PAST_OBJECT_ID, 'foreign'],
  ['supabase_ + bad UUID', `supabase_${UUID.slice(0, -1)}x`, PAST_UUID, PAST_OBJECT_ID, 'malformed:supabase:bad-format'],
  ['bm_ only', 'bm_', BAD, BAD, 'malformed:bookmaster:bad-format'],
  ['bm_ with a hyphen', 'bm_12-34', BAD, BAD, 'malformed:bookmaster:bad-format'],
  ['BM_ upper-case prefix', 'BM_1042', BAD, BAD, 'foreign'],
  ['bm_ over 64 chars', OVERLONG_BOOKMASTER, TOO_LONG, TOO_LONG, 'malformed:bookmaster:too-long'],
  ['omni_ + ObjectId', `omni_${OBJECT_ID}`, PAST_OBJECT_ID, OMNISTACK_ONLY, 'malformed:omnistack:self-reference'],
  ['someone else\'s id', 'stripe_cus_123', BAD, BAD, 'foreign'],
  ['the guide\'s Supabase example', 'auth0|123456789', BAD, BAD, 'foreign'],
];

function reasonOf(parsed: IdParse): Reason {
  return parsed.ok ? 'ok' : parsed.reason;
}

function omniOutcome(value: unknown): string {
  const read = readOmniExternalIds([value]);
  const [malformed] = read.malformed;
  if (malformed !== undefined) return `malformed:${malformed.platform ?? '-'}:${malformed.reason}`;
  if (read.foreign.length > 0) return 'foreign';
  return `link:${Object.keys(read.links).join(',')}`;
}

describe.each(TABLE)('bad input: %s', (_label, value, raw, tolerant, omniEntry) => {
  it(`as a raw id: ${raw.join(' / ')}`, () => {
    expect(PLATFORMS.map((platform: Platform) => reasonOf(parseRawId(platform, value)))).toEqual(raw);
  });

  it(`as a map value: ${tolerant.join(' / ')}`, () => {
    expect(PLATFORMS.map((platform: Platform) => reasonOf(parseTolerantId(platform, value)))).toEqual(tolerant);
  });

  it(`as an OmniStack entry: ${omniEntry}`, () => {
    expect(omniOutcome(value)).toBe(omniEntry);
  });
});
