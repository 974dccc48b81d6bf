import DataLoader from 'dataloader';
import { codes, InvalidInputError } from '../errors.ts';
import { describeValue, mapPresent, requireRawId } from '../ids/index.ts';
import { requireBatchSize } from './adapter-support.ts';
import type { PersonRecord } from './person-record.ts';
import type { Adapters, PlatformAdapter } from './platform-adapter.ts';

/*
 * Concurrent reconciles in one process share their reads by key: while a read of one kind is in
 * flight, the keys asked for meanwhile wait and go together in the next one. A process with
 * nothing in flight sends at once, so a lone reconcile waits for nothing; a busy one sends fewer,
 * larger queries, and most of a read's cost is per query (the socket writes of both ends, the
 * server's per-statement work), not per key.
 */

export interface CoalesceOptions {
  /** Reads of one kind in flight at once; keys asked for meanwhile wait for the next. Default: 1. */
  readonly maxInFlight?: number;
  /** Most keys in one read, as a scan's batch size (1-10,000). Default: 1,000. */
  readonly maxBatchSize?: number;
}

export const COALESCE_DEFAULTS = { maxInFlight: 1, maxBatchSize: 1_000 } as const;

/**
 * A DataLoader (no cache: every load reads afresh) whose batches wait while `maxInFlight` of them
 * are running. `readMany` answers for every key it is given, in their order; a key asked twice in
 * one batch is read once.
 */
export function coalescedLoader<K, V>(
  readMany: (keys: readonly K[]) => Promise<readonly V[]>,
  keyOf: (key: K) => string,
  options: CoalesceOptions = {},
): DataLoader<K, V> {
  const { maxInFlight, maxBatchSize } = requireCoalesceOptions(options);
  let running = 0;
  const waiting: (() => void)[] = [];
  const batch = async (keys: readonly K[]): Promise<V[]> => {
    try {
      const unique = new Map(keys.map((key) => [keyOf(key), key]));
      const values = await readMany([...unique.values()]);
      const byKey = new Map([...unique.keys()].map((text, index) => [text, values[index] as V]));
      return keys.map((key) => byKey.get(keyOf(key)) as V);
    } finally {
      running -= 1;
      const next = waiting.shift();
      if (next !== undefined) {
        running += 1;
        next();
      }
    }
  };
  // Called once per new batch, which takes keys until `dispatch` runs. A batch counts as running
  // from the moment it is let go, so that the batches maxBatchSize splits off wait too.
  const schedule = (dispatch: () => void) => {
    if (running >= maxInFlight) {
      waiting.push(dispatch);
      return;
    }
    running += 1;
    // DataLoader's own default: after this tick's promise jobs, so that the calls made in it join.
    void Promise.resolve().then(() => process.nextTick(dispatch));
  };
  return new DataLoader(batch, { cache: false, batchScheduleFn: schedule, maxBatchSize });
}

/** The options with their defaults; InvalidInputError codes.INVALID_ARGUMENT or INVALID_BATCH_SIZE when out of range. */
function requireCoalesceOptions(options: CoalesceOptions): Required<CoalesceOptions> {
  const maxInFlight = options.maxInFlight ?? COALESCE_DEFAULTS.maxInFlight;
  // None in flight would hold every batch back for good.
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new InvalidInputError(codes.INVALID_ARGUMENT, `maxInFlight must be a whole number of at least 1, got ${describeValue(maxInFlight)}`);
  }
  return { maxInFlight, maxBatchSize: requireBatchSize(options.maxBatchSize ?? COALESCE_DEFAULTS.maxBatchSize) };
}

/** The values of `keys`, throwing the first key's error as a plain read would. */
export async function loadAll<K, V>(loader: DataLoader<K, V>, keys: readonly K[]): Promise<V[]> {
  const values = await loader.loadMany(keys);
  const failed = values.find((value): value is Error => value instanceof Error);
  if (failed !== undefined) throw failed;
  return values as V[];
}

/** The same adapters, each of whose `getMany` shares its round trip with the process's concurrent ones. */
export function coalesceReads(adapters: Adapters, options: CoalesceOptions = {}): Adapters {
  return mapPresent(adapters, (adapter) => coalesceAdapter(adapter, options));
}

function coalesceAdapter(adapter: PlatformAdapter, options: CoalesceOptions): PlatformAdapter {
  const readMany = async (ids: readonly string[]) => {
    const records = new Map((await adapter.getMany(ids)).map((record) => [record.id, record]));
    return ids.map((id) => records.get(id) ?? null);
  };
  const loader = coalescedLoader<string, PersonRecord | null>(readMany, (id) => id, options);
  return {
    ...adapter,
    // Each caller's ids are checked first, so a malformed one fails its own read, not the batch.
    getMany: async (ids) => {
      const canonical = [...new Set(ids.map((id) => requireRawId(adapter.platform, id)))];
      return (await loadAll(loader, canonical)).filter((record) => record !== null);
    },
  };
}
