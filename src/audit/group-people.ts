import type { Platform } from '../ids/index.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import { DEFAULT_MAX_RECORDS } from '../reconcile/gather.ts';
import { gatherSteps } from '../reconcile/gather-steps.ts';
import type { GatherLookup, LookupAnswer } from '../reconcile/gather-steps.ts';
import type { PersonGroup } from './audit-model.ts';
import { RecordIndex } from './record-index.ts';

/*
 * Groups scanned records into people in memory by running gather's own traversal
 * (src/reconcile/gather-steps.ts) with the scan's index answering its look-ups instead of the
 * systems and the link index: no round trip per person, and for the origin the audit enqueues, a
 * reconcile gathers exactly the same records. Origins are taken in PLATFORMS-then-id order (CRM
 * records first); a record another person's gather already reached does not start a person of its
 * own. gather is not symmetric (an email match is refused only from the side it would contradict),
 * so a record may belong to two groups.
 */

export interface GroupOptions {
  /** gather's bound on the records of one person. Default: gather's own (DEFAULT_MAX_RECORDS). */
  maxRecords?: number;
}

/** A group whose gather would stop at the bound: planned by no one, reported as oversized. */
export interface OversizedGroup extends PersonGroup {
  readonly oversized: true;
}

/**
 * The people, one at a time: a caller that keeps only what it needs of each group holds no more
 * than the scan and its index. Each group is computed when asked for, in origin order.
 */
export function* groupPeople(
  records: readonly PersonRecord[],
  scanned: readonly Platform[],
  options: GroupOptions = {},
): Generator<PersonGroup | OversizedGroup> {
  const index = new RecordIndex(records, scanned);
  const maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
  // The index hands out its own record objects, so identity is enough to know one was reached.
  const reached = new Set<PersonRecord>();
  for (const origin of index.records) {
    if (reached.has(origin)) continue;
    const group = gatherInMemory(index, origin, maxRecords);
    for (const { record } of group.records) reached.add(record);
    yield group;
  }
}

function gatherInMemory(index: RecordIndex, origin: PersonRecord, maxRecords: number): PersonGroup | OversizedGroup {
  const key = { platform: origin.platform, id: origin.id };
  const steps = gatherSteps(key, index.scanned, maxRecords);
  let step = steps.next();
  while (!step.done) step = steps.next(answerFromIndex(index, step.value));
  const { records, absent, overLimit } = step.value;
  return overLimit ? { origin: key, records, absent, oversized: true } : { origin: key, records, absent };
}

/** The scan answers as the systems and the link index would; records are keys too, so no key is built. */
function answerFromIndex(index: RecordIndex, lookup: GatherLookup): LookupAnswer {
  if (lookup.kind === 'holders') {
    return { records: [], keys: lookup.platforms.flatMap((platform) => lookup.emails.flatMap((email) => index.holdersOf(platform, email))) };
  }
  const records = lookup.keys.flatMap((key) => index.get(key.platform, key.id) ?? []);
  return { records, keys: lookup.claimersOf.flatMap((key) => index.claimersOf(key.platform, key.id)) };
}
