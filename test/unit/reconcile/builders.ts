import { PLATFORMS } from '../../../src/ids/index.ts';
import type { Links, Platform, RecordKey } from '../../../src/ids/index.ts';
import type { LinkChange, PersonRecord, UnreadableLink } from '../../../src/platforms/person-record.ts';
import type { GatheredRecord, Plan, PlanInput } from '../../../src/reconcile/plan-model.ts';

/*
 * Data builders for the planner's tests, and a test-only simulator of what an adapter's writeLinks
 * does to a record's links (the LinkChange contract in person-record.ts), so that a plan can be
 * applied and planned again without any database.
 */

type Reach = GatheredRecord['reachedBy'];
type PerPlatform<T> = Partial<Record<Platform, T>>;

const HEX_BASE = 16;
const OBJECT_ID_SUFFIX_LENGTH = 18;
const UUID_NODE_LENGTH = 12;
/** Different leading digits keep CRM and OmniStack ObjectIds apart, as real ones are. */
const OBJECT_ID_HEAD: Readonly<Record<'crm' | 'omnistack', string>> = { crm: 'c0ffee', omnistack: '0a0a0a' };
const EPOCH = Date.UTC(2024, 0, 1);
const MINUTE_MS = 60_000;

/** The `seq`-th canonical raw id of a platform: distinct per platform and per number. */
export function idOf(platform: Platform, seq: number): string {
  const hex = seq.toString(HEX_BASE);
  if (platform === 'crm' || platform === 'omnistack') {
    return `${OBJECT_ID_HEAD[platform]}${hex.padStart(OBJECT_ID_SUFFIX_LENGTH, '0')}`;
  }
  if (platform === 'supabase') return `00000000-0000-4000-8000-${hex.padStart(UUID_NODE_LENGTH, '0')}`;
  return `bm_${seq}`;
}

export function keyOf(platform: Platform, seq: number): RecordKey {
  return { platform, id: idOf(platform, seq) };
}

/** A creation time `minutes` after a fixed epoch: tests never read the clock. */
export function minutesIn(minutes: number): Date {
  return new Date(EPOCH + minutes * MINUTE_MS);
}

export interface RecordSpec {
  email?: string | null;
  createdAt?: Date;
  links?: Links;
  extraLinks?: PerPlatform<readonly string[]>;
  unreadable?: readonly UnreadableLink[];
}

export function personRecord(platform: Platform, seq: number, spec: RecordSpec = {}): PersonRecord {
  return {
    platform,
    id: idOf(platform, seq),
    email: spec.email === undefined ? `person${seq}@example.com` : spec.email,
    createdAt: spec.createdAt ?? minutesIn(seq),
    links: spec.links ?? {},
    extraLinks: spec.extraLinks ?? {},
    unreadable: spec.unreadable ?? [],
    snapshot: { version: 1 },
  };
}

export function gathered(record: PersonRecord, reachedBy: Reach = 'id-claim'): GatheredRecord {
  return { record, reachedBy };
}

export interface InputSpec {
  origin?: RecordKey;
  absent?: readonly RecordKey[];
  platforms?: readonly Platform[];
  required?: readonly Platform[];
  conflictPolicy?: PlanInput['conflictPolicy'];
}

/** Defaults: all four platforms, policy 'newest', the first record as origin. */
export function planInput(records: readonly GatheredRecord[], spec: InputSpec = {}): PlanInput {
  const first = records[0]?.record;
  return {
    origin: spec.origin ?? (first === undefined ? keyOf('crm', 0) : { platform: first.platform, id: first.id }),
    records,
    absent: spec.absent ?? [],
    platforms: spec.platforms ?? PLATFORMS,
    ...(spec.required === undefined ? {} : { required: spec.required }),
    conflictPolicy: spec.conflictPolicy ?? 'newest',
  };
}

/** Every link of a fully linked person, as `links` for the record of `owner`. */
export function linksExcept(owner: Platform, members: Links): Links {
  return pick(members, PLATFORMS.filter((platform) => platform !== owner));
}

/**
 * What writeLinks does: `set` and `unset` replace everything stored for each named platform (the
 * link, extra ids, unreadable entries attributed to it); nothing else changes.
 */
export function applyChange(record: PersonRecord, change: LinkChange): PersonRecord {
  const touched = new Set<Platform>([...PLATFORMS.filter((platform) => platform in change.set), ...change.unset]);
  const kept = PLATFORMS.filter((platform) => !touched.has(platform));
  return {
    ...record,
    links: { ...pick(record.links, kept), ...change.set },
    extraLinks: pick(record.extraLinks, kept),
    unreadable: record.unreadable.filter((entry) => entry.platform === null || !touched.has(entry.platform)),
    snapshot: { after: record.snapshot },
  };
}

/** The input with every patched record replaced by its written form (the same records gathered again). */
export function applyPlan(input: PlanInput, plan: Plan): PlanInput {
  const records = input.records.map((entry) => {
    const patch = plan.patches.find((candidate) => candidate.record === entry.record);
    return patch === undefined ? entry : { ...entry, record: applyChange(entry.record, patch) };
  });
  return { ...input, records };
}

function pick<T>(map: PerPlatform<T>, platforms: readonly Platform[]): PerPlatform<T> {
  const picked: PerPlatform<T> = {};
  for (const platform of platforms) {
    const value = map[platform];
    if (value !== undefined) picked[platform] = value;
  }
  return picked;
}
