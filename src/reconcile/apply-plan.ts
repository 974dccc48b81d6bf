import type { Platform } from '../ids/index.ts';
import type { Adapters, WriteOutcome } from '../platforms/platform-adapter.ts';
import type { LinkPatch } from './plan-model.ts';

export interface AppliedPatch {
  readonly patch: LinkPatch;
  readonly outcome: WriteOutcome;
}

/**
 * Writes every patch with compare-and-set, concurrently: they touch different records. A 'stale'
 * outcome means another writer changed that record after it was read; the caller plans again.
 */
export async function applyPlan(adapters: Adapters, patches: readonly LinkPatch[]): Promise<AppliedPatch[]> {
  return Promise.all(
    patches.map(async (patch) => {
      const adapter = adapters[patch.record.platform];
      if (!adapter) throw new Error(`no adapter for ${patch.record.platform}: the planner only patches synced platforms`);
      return { patch, outcome: await adapter.writeLinks(patch.record, patch) };
    }),
  );
}

/** The platforms a patch changes, set before unset, in the order the patch names them. */
export function changedPlatforms(patch: LinkPatch): Platform[] {
  return [...(Object.keys(patch.set) as Platform[]), ...patch.unset];
}
