import type { RecordKey } from '../ids/index.ts';
import { coalescedLoader, loadAll } from '../platforms/coalesce.ts';
import type { CoalesceOptions } from '../platforms/coalesce.ts';
import type { ClaimersAndRows, LinkIndex } from './link-index.ts';
import { claimText } from './link-rows.ts';
import type { LinkRow } from './link-rows.ts';

interface KeyAnswer {
  readonly claimers: readonly RecordKey[];
  readonly held: LinkRow | null;
}

/**
 * The same index, whose `claimersAndRows` (gather's look-up, two a reconcile) shares its round trip
 * with the process's concurrent ones (src/platforms/coalesce.ts). The other look-ups are rare.
 */
export function coalesceLookups(index: LinkIndex, options: CoalesceOptions = {}): LinkIndex {
  const readMany = async (keys: readonly RecordKey[]): Promise<KeyAnswer[]> => {
    const { claimers, held } = await index.claimersAndRows(keys);
    return keys.map(claimText).map((text) => ({ claimers: claimers.get(text) ?? [], held: held.get(text) ?? null }));
  };
  const loader = coalescedLoader(readMany, claimText, options);
  // Two callers asking the same key share its claimer list: it is read-only.
  const claimersAndRows = async (keys: readonly RecordKey[]): Promise<ClaimersAndRows> => {
    const answers = await loadAll(loader, keys);
    const texts = keys.map(claimText);
    return {
      claimers: new Map(texts.map((text, at) => [text, answers[at]?.claimers ?? []])),
      held: new Map(texts.map((text, at) => [text, answers[at]?.held ?? null])),
    };
  };
  return { ...index, claimersAndRows };
}
