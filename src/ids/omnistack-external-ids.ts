import { codes, InvalidInputError } from '../errors.ts';
import { describeValue } from './platforms.ts';
import type { Links, Platform } from './platforms.ts';
import { parseRawId, requireRawId } from './raw-id.ts';
import type { EntryMalformedReason, IdParse } from './raw-id.ts';

/**
 * OmniStack's flat `users.external_ids` string array: `crm_<objectid>`,
 * `supabase_<uuid>`, and the Bookmaster id as it is (it starts with `bm_`). Entries of any other
 * shape belong to someone else and are kept untouched, in order.
 */

/** The platforms an OmniStack user references, in the order their entries are written. */
export const OMNI_LINKED_PLATFORMS = Object.freeze(['crm', 'supabase', 'bookmaster'] as const);
type OmniLinkedPlatform = (typeof OMNI_LINKED_PLATFORMS)[number];

interface EntryRule {
  prefix: string;
  platform: OmniLinkedPlatform;
  /** Bookmaster's `bm_` is part of the id itself, so it is not stripped before validation. */
  prefixIsPartOfId: boolean;
}

const ENTRY_RULES: readonly EntryRule[] = [
  { prefix: 'crm_', platform: 'crm', prefixIsPartOfId: false },
  { prefix: 'supabase_', platform: 'supabase', prefixIsPartOfId: false },
  { prefix: 'bm_', platform: 'bookmaster', prefixIsPartOfId: true },
];

/** OmniStack's own ids: the current and the legacy (`omni_`) prefix. Never valid in its own array. */
const SELF_PREFIXES: readonly string[] = ['omnistack_', 'omni_'];

export interface MalformedEntry {
  /** Position in the stored array, so a finding can point at the entry. */
  index: number;
  value: unknown;
  /** The platform the entry's prefix claims; null when the entry is not even a string. */
  platform: Platform | null;
  reason: EntryMalformedReason;
}

export type OmniExternalIdsShape = 'absent' | 'array' | 'not-an-array';

export interface OmniExternalIdsRead {
  shape: OmniExternalIdsShape;
  /** The first valid value seen for each platform. */
  links: Links;
  /** Further distinct values for a platform: a conflict for the planner to judge, never written. */
  extra: Partial<Record<Platform, string[]>>;
  malformed: MalformedEntry[];
  foreign: string[];
}

type Classified =
  | { kind: 'link'; platform: OmniLinkedPlatform; id: string }
  | { kind: 'malformed'; platform: Platform | null; reason: EntryMalformedReason }
  | { kind: 'foreign'; entry: string };

/** Reads the array tolerantly (upper-case hex, legacy bare CRM ObjectIds). Never throws. */
export function readOmniExternalIds(value: unknown): OmniExternalIdsRead {
  const read: OmniExternalIdsRead = { shape: 'absent', links: {}, extra: {}, malformed: [], foreign: [] };
  if (value === null || value === undefined) return read;
  if (!Array.isArray(value)) return { ...read, shape: 'not-an-array' };
  read.shape = 'array';
  value.forEach((entry: unknown, index) => {
    const classified = classifyEntry(entry);
    if (classified.kind === 'link') addLink(read, classified.platform, classified.id);
    else if (classified.kind === 'foreign') read.foreign.push(classified.entry);
    else read.malformed.push({ index, value: entry, platform: classified.platform, reason: classified.reason });
  });
  return read;
}

/**
 * The canonical array: foreign entries first, untouched and in their order, then one entry per
 * linked platform in OMNI_LINKED_PLATFORMS order. An `omnistack` link is left out, so a caller may
 * pass a person's full set of links. Throws InvalidInputError: `codes.INVALID_ID` for a link
 * that is not a valid raw ID, `codes.INVALID_FOREIGN` for a "foreign" entry that is not one
 * (it would smuggle an unvalidated ID past this codec).
 */
export function writeOmniExternalIds(links: Readonly<Links>, foreign: readonly string[] = []): string[] {
  for (const entry of foreign) {
    if (classifyEntry(entry).kind !== 'foreign') {
      throw new InvalidInputError(codes.INVALID_FOREIGN, `not a foreign entry: ${describeValue(entry)}`);
    }
  }
  const owned = OMNI_LINKED_PLATFORMS.flatMap((platform) => {
    const id = links[platform];
    return id === undefined ? [] : [formatEntry(platform, requireRawId(platform, id))];
  });
  return [...foreign, ...owned];
}

function formatEntry(platform: OmniLinkedPlatform, id: string): string {
  const rule = ENTRY_RULES.find((candidate) => candidate.platform === platform);
  return rule === undefined || rule.prefixIsPartOfId ? id : `${rule.prefix}${id}`;
}

function classifyEntry(entry: unknown): Classified {
  if (typeof entry !== 'string') return { kind: 'malformed', platform: null, reason: 'not-a-string' };
  if (entry.length === 0) return { kind: 'malformed', platform: null, reason: 'empty' };
  if (SELF_PREFIXES.some((prefix) => entry.startsWith(prefix))) {
    return { kind: 'malformed', platform: 'omnistack', reason: 'self-reference' };
  }
  const rule = ENTRY_RULES.find((candidate) => entry.startsWith(candidate.prefix));
  if (rule !== undefined) {
    const id = rule.prefixIsPartOfId ? entry : entry.slice(rule.prefix.length);
    return fromParse(rule.platform, parseRawId(rule.platform, id));
  }
  // The original guide stored the CRM id bare (`external_ids: [staffData.id]`). Only an ObjectId
  // is taken this way: a bare UUID has no such history and may well be someone else's.
  const legacyCrm = parseRawId('crm', entry);
  return legacyCrm.ok ? { kind: 'link', platform: 'crm', id: legacyCrm.id } : { kind: 'foreign', entry };
}

function fromParse(platform: OmniLinkedPlatform, parsed: IdParse): Classified {
  return parsed.ok ? { kind: 'link', platform, id: parsed.id } : { kind: 'malformed', platform, reason: parsed.reason };
}

function addLink(read: OmniExternalIdsRead, platform: OmniLinkedPlatform, id: string): void {
  const first = read.links[platform];
  if (first === undefined) {
    read.links[platform] = id;
    return;
  }
  if (first === id) return;
  const extra = (read.extra[platform] ??= []);
  if (!extra.includes(id)) extra.push(id);
}
