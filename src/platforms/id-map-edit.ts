import { readIdMap } from '../ids/index.ts';
import type { Platform } from '../ids/index.ts';
import { setsAnyLink } from './adapter-support.ts';
import type { LinkTargets } from './adapter-support.ts';

/**
 * Applies a validated change to a stored object map (CRM `externalIds`, Bookmaster `external_ids`,
 * Supabase `app_metadata.external_ids`) and returns the value to store.
 *
 * Only the named platforms' keys change: every other key (another platform's entry, even a
 * malformed one, and foreign keys) keeps its value and its position, because the LinkChange
 * contract leaves unnamed entries exactly as they are. A stored value that is not an object holds
 * nothing attributable to a platform, so it is replaced only by a change that stores a link; an
 * absent map stays absent unless a link is stored.
 */
export function editIdMap(owner: Platform, stored: unknown, targets: LinkTargets): unknown {
  const isMap = readIdMap(owner, stored).shape === 'object';
  if (!isMap && !setsAnyLink(targets)) return stored;
  const edited = isMap ? copyEntries(stored as Record<string, unknown>) : {};
  for (const [platform, id] of targets) {
    if (id === null) Reflect.deleteProperty(edited, platform);
    // Assigning an existing key keeps its position, so an unchanged link reads as no change.
    else edited[platform] = id;
  }
  return edited;
}

/**
 * A shallow copy that keeps a stored `__proto__` key as data: plain assignment would change the
 * copy's prototype instead of keeping the entry.
 */
function copyEntries(source: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}
