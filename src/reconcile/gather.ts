import { codes, IdsyncError } from '../errors.ts';
import { formatRecordKey, PLATFORMS } from '../ids/index.ts';
import type { Platform, RecordKey } from '../ids/index.ts';
import type { LinkIndex } from '../link-index/link-index.ts';
import { readsAsSettled } from '../link-index/link-rows.ts';
import type { HeldRows, LinkRow } from '../link-index/link-rows.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import type { Adapters, PlatformAdapter } from '../platforms/platform-adapter.ts';
import { gatherSteps } from './gather-steps.ts';
import type { GatherLookup, GatherResult, LookupAnswer } from './gather-steps.ts';

export interface GatherOptions {
  /** Most records one person may span before gather gives up. Default: 32. */
  maxRecords?: number;
  /**
   * Stop after the first round, answering null, when the origin reads exactly as the last
   * reconcile that completed with it left it (its settled fingerprint). Default: false.
   */
  unlessSettled?: boolean;
}

/** Where gather reads: the systems by primary key, the link index for claimers and email holders. */
export interface GatherSources {
  readonly adapters: Adapters;
  readonly links: LinkIndex;
}

export interface Gathered extends GatherResult {
  /**
   * What the link index held for the records whose claimers were asked, before this gather wrote
   * the origin's row: refresh sends no row it shows already held (a row the origin's write changed
   * differs from it, and is sent again).
   */
  readonly held: HeldRows;
}

export const DEFAULT_MAX_RECORDS = 32;

/**
 * Gather (src/reconcile/gather-steps.ts) against the live systems: each round reads every wanted
 * key with one batch per platform and asks the link index, all at once. A person past
 * `maxRecords` is refused with the gather-limit code.
 *
 * The origin's own row is written to the index before anything else is looked up. Two records of
 * one person written at the same moment are then never both missed: each reconcile stores its
 * record before it looks for the other, so whichever looks last finds the first (the claimed side
 * needs no row: the claimer reads it by key). A row the index already holds as read is not sent again.
 */
export async function gatherPerson(sources: GatherSources, origin: RecordKey, options: GatherOptions & { unlessSettled: true }): Promise<Gathered | null>;
export async function gatherPerson(sources: GatherSources, origin: RecordKey, options?: GatherOptions): Promise<Gathered>;
export async function gatherPerson(sources: GatherSources, origin: RecordKey, options: GatherOptions = {}): Promise<Gathered | null> {
  const platforms = PLATFORMS.filter((platform) => sources.adapters[platform] !== undefined);
  const maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
  const steps = gatherSteps(origin, platforms, maxRecords);
  const held = new Map<string, LinkRow | null>();
  let step = steps.next();
  for (let round = 0; !step.done; round += 1) {
    const answered = await answer(sources, step.value, held);
    if (round === 0) {
      if (options.unlessSettled && isSettled(answered.records, held)) return null;
      await sources.links.refresh(answered.records, [], { held });
    }
    step = steps.next(answered);
  }
  if (step.value.overLimit) {
    throw new IdsyncError(codes.GATHER_LIMIT, `a person spans more than ${maxRecords} records; starting at ${formatRecordKey(origin)}`);
  }
  return { ...step.value, held };
}

/** Whether the origin (the first round's one record) reads as its settled fingerprint says. */
function isSettled(records: readonly PersonRecord[], held: HeldRows): boolean {
  const [origin] = records;
  return origin !== undefined && readsAsSettled(origin, held);
}

/** One round's answer; what the index holds for the keys whose claimers were asked is added to `held`. */
async function answer(sources: GatherSources, lookup: GatherLookup, held: Map<string, LinkRow | null>): Promise<LookupAnswer> {
  if (lookup.kind === 'holders') return { records: [], claimers: new Map(), keys: await sources.links.holdersOf(lookup.platforms, lookup.emails) };
  const [records, claimers] = await Promise.all([readKeys(sources.adapters, lookup.keys), sources.links.claimersAndRows(lookup.claimersOf)]);
  for (const [key, row] of claimers.held) held.set(key, row);
  return { records, claimers: claimers.claimers, keys: [] };
}

/** The records of `keys` that exist: one round trip per platform, the platforms in parallel. */
export async function readKeys(adapters: Adapters, keys: readonly RecordKey[]): Promise<PersonRecord[]> {
  const byPlatform = new Map<Platform, string[]>();
  for (const key of keys) {
    const ids = byPlatform.get(key.platform);
    if (ids === undefined) byPlatform.set(key.platform, [key.id]);
    else ids.push(key.id);
  }
  const batches = await Promise.all(
    [...byPlatform].map(([platform, ids]) => (adapters[platform] as PlatformAdapter | undefined)?.getMany(ids) ?? Promise.resolve([])),
  );
  return batches.flat();
}
