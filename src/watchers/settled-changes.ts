import { withTimeout } from '../deadline.ts';
import type { RecordKey } from '../ids/index.ts';
import type { Trigger } from '../ledger/provenance.ts';
import type { LinkLookups } from '../link-index/link-index.ts';
import { claimText, readsAsSettled } from '../link-index/link-rows.ts';
import type { Logger } from '../logging/logger.ts';
import type { Adapters } from '../platforms/platform-adapter.ts';
import { readKeys } from '../reconcile/gather.ts';
import { describeError } from '../logging/describe-error.ts';

/*
 * Most change events are the echoes of idsync's own writes: the record then reads exactly as the
 * reconcile that wrote it left it (its settled fingerprint in the link index). A batch's index rows
 * are looked up together, then the records that have a fingerprint to match are read, one round
 * trip per platform, and their echoes enqueue nothing: each used to be a job of its own (added,
 * taken and finished in Redis, then the same two reads). This is the same check a 'changed' job
 * makes at its first read, made earlier and for a batch.
 */

export interface SettledCheck {
  /** The adapters the changed records are read through (a platform without one: its changes are enqueued). */
  readonly adapters: Adapters;
  /** The link index holding the records' settled fingerprints. */
  readonly links: LinkLookups;
  readonly logger: Logger;
  /** How long the look-up and the reads may take before every change is enqueued unchecked, in ms. Default: 1000. */
  settledCheckTimeoutMs?: number;
  /** Called once per change found settled, with its event's source (e.g. metrics.changeEventSettled). Default: none. */
  onSettledChange?: (source: string) => void;
}

const DEFAULT_TIMEOUT_MS = 1_000;

/**
 * The changes whose records do not read as settled, in their order. A record that could not be
 * read (no adapter, gone) is kept: its job decides. When the look-up or a read fails or is late,
 * every change is kept, so that a watcher needs nothing more than Redis to hand its changes on.
 */
export async function withoutSettled<Change extends { readonly key: RecordKey; readonly trigger: Trigger }>(
  check: SettledCheck,
  changes: readonly Change[],
): Promise<readonly Change[]> {
  if (changes.length === 0) return changes;
  try {
    const settled = await withTimeout(settledKeys(check, changes.map((change) => change.key)), check.settledCheckTimeoutMs ?? DEFAULT_TIMEOUT_MS);
    if (settled.size > 0) check.logger.info({ settled: settled.size, of: changes.length }, 'changes read as settled; not enqueued');
    for (const { key, trigger } of changes) {
      if (trigger.type === 'change-event' && settled.has(claimText(key))) check.onSettledChange?.(trigger.source);
    }
    return changes.filter((change) => !settled.has(claimText(change.key)));
  } catch (error) {
    check.logger.warn({ err: describeError(error), changes: changes.length }, 'settled check failed; enqueueing every change');
    return changes;
  }
}

/**
 * The claimTexts of `keys` whose records read as settled. Only a record whose row holds a
 * fingerprint can, so only those are read: a record new to the index (most of a watcher's
 * non-echo changes) costs the look-up alone.
 */
async function settledKeys(check: SettledCheck, keys: readonly RecordKey[]): Promise<Set<string>> {
  const held = await check.links.rowsOf(keys);
  const candidates = keys.filter((key) => (held.get(claimText(key))?.settled ?? null) !== null);
  if (candidates.length === 0) return new Set();
  const records = await readKeys(check.adapters, candidates);
  return new Set(records.filter((record) => readsAsSettled(record, held)).map(claimText));
}
