import { withTimeout } from '../deadline.ts';
import { formatRecordKey } from '../ids/index.ts';
import type { Platform, RecordKey } from '../ids/index.ts';
import type { Trigger } from '../ledger/provenance.ts';
import type { LinkLookups } from '../link-index/link-index.ts';
import { readsAsSettled } from '../link-index/link-rows.ts';
import type { Logger } from '../logging/logger.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import type { Adapters } from '../platforms/platform-adapter.ts';
import { describeError } from '../logging/describe-error.ts';

/*
 * Most change events are the echoes of idsync's own writes: the record then reads exactly as the
 * reconcile that wrote it left it (its settled fingerprint in the link index). A batch's records
 * are read together, one round trip per platform and one to the index, and their echoes enqueue
 * nothing: each used to be a job of its own (added, taken and finished in Redis, then the same two reads).
 * This is the same check a 'changed' job makes at its first read, made earlier and for a batch.
 */

export interface SettledCheck {
  /** The adapters the changed records are read through (a platform without one: its changes are enqueued). */
  readonly adapters: Adapters;
  /** The link index holding the records' settled fingerprints. */
  readonly links: LinkLookups;
  readonly logger: Logger;
  /** How long the reads and the look-up may take before every change is enqueued unchecked, in ms. Default: 1000. */
  settledCheckTimeoutMs?: number;
  /** Called once per change found settled, with its event's source (e.g. metrics.changeEventSettled). Default: none. */
  onSettledChange?: (source: string) => void;
}

const DEFAULT_TIMEOUT_MS = 1_000;

/**
 * The changes whose records do not read as settled, in their order. A record that could not be
 * read (no adapter, gone) is kept: its job decides. When a read or the look-up fails or is late,
 * every change is kept, so that a watcher needs nothing more than Redis to hand its changes on.
 */
export async function withoutSettled<Change extends { readonly key: RecordKey; readonly trigger: Trigger }>(
  check: SettledCheck,
  changes: readonly Change[],
): Promise<readonly Change[]> {
  if (changes.length === 0) return changes;
  try {
    const both = Promise.all([readAll(check.adapters, changes), check.links.rowsOf(changes.map((change) => change.key))]);
    const [records, held] = await withTimeout(both, check.settledCheckTimeoutMs ?? DEFAULT_TIMEOUT_MS);
    const settled = new Set(records.filter((record) => readsAsSettled(record, held)).map(formatRecordKey));
    if (settled.size > 0) check.logger.info({ settled: settled.size, of: changes.length }, 'changes read as settled; not enqueued');
    const [unsettled, echoes] = partition(changes, (change) => !settled.has(formatRecordKey(change.key)));
    for (const { trigger } of echoes) if (trigger.type === 'change-event') check.onSettledChange?.(trigger.source);
    return unsettled;
  } catch (error) {
    check.logger.warn({ err: describeError(error), changes: changes.length }, 'settled check failed; enqueueing every change');
    return changes;
  }
}

/** The changed records that exist, read by key, one round trip per platform, all at once. */
async function readAll(adapters: Adapters, changes: readonly { readonly key: RecordKey }[]): Promise<PersonRecord[]> {
  const ids = new Map<Platform, string[]>();
  for (const { key } of changes) {
    const platformIds = ids.get(key.platform);
    if (platformIds === undefined) ids.set(key.platform, [key.id]);
    else platformIds.push(key.id);
  }
  const reads = [...ids].map(([platform, platformIds]) => adapters[platform]?.getMany(platformIds) ?? Promise.resolve([]));
  return (await Promise.all(reads)).flat();
}

/** The items that pass `test`, then the others, each in their order. */
function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  const passed: T[] = [];
  const failed: T[] = [];
  for (const item of items) (test(item) ? passed : failed).push(item);
  return [passed, failed];
}
