import { loadConfig } from '../src/config/load-config.ts';
import { createLogger } from '../src/logging/logger.ts';
import { reconcilePerson } from '../src/reconcile/reconcile-person.ts';
import { openCountedStores, STORES } from './counted-stores.ts';
import type { RoundTrips, Store } from './counted-stores.ts';
import type { BenchPerson } from './namespace.ts';

/*
 * Round trips per reconcile of a consistent person: once a backfill has linked everyone, the
 * sampled people are reconciled one at a time in this process, from their CRM record, with the
 * real reconcile (`reconcilePerson`) over the counting stores, and each reconcile's round trips
 * are read per store. A consistent person needs no write: `writes` says whether they all were.
 */

export interface Spread {
  readonly mean: number;
  readonly max: number;
}

export interface RoundTripResult {
  readonly sample: number;
  /** Link writes the sampled reconciles made: 0 when every sampled person was consistent. */
  readonly writes: number;
  readonly total: Spread;
  readonly perStore: Record<Store, Spread>;
  /** How many reconciles made each number of round trips. */
  readonly histogram: Record<string, number>;
  /** Wall time of one reconcile here, one at a time, in ms. */
  readonly meanMs: number;
}

/** `count` people spread evenly over `people`: the first, the last and those between. */
export function spreadSample<T>(people: readonly T[], count: number): T[] {
  if (people.length <= count) return [...people];
  const step = (people.length - 1) / (count - 1);
  return Array.from({ length: count }, (_, index) => people[Math.round(index * step)] as T);
}

function spread(values: readonly number[]): Spread {
  return { mean: values.reduce((sum, value) => sum + value, 0) / values.length, max: Math.max(...values) };
}

const total = (trips: RoundTrips) => STORES.reduce((sum, store) => sum + trips[store], 0);

export async function measureRoundTrips(env: Record<string, string>, people: readonly BenchPerson[], sample: number): Promise<RoundTripResult> {
  const config = loadConfig({ NODE_ENV: 'test', ...env, LOG_LEVEL: 'silent' });
  const stores = await openCountedStores(config);
  const deps = { adapters: stores.adapters, links: stores.links, ledger: stores.ledgerStore, logger: createLogger({ level: 'silent' }) };
  const options = { platforms: config.platforms, required: config.requiredPlatforms, conflictPolicy: config.policy.conflict };
  const trips: RoundTrips[] = [];
  let writes = 0;
  try {
    const startedAt = performance.now();
    for (const [index, person] of spreadSample(people, sample).entries()) {
      stores.reset();
      const outcome = await reconcilePerson(deps, { platform: 'crm', id: person.crm }, { trigger: { type: 'command', via: 'cli' }, jobId: `bench-round-trips-${index}` }, options);
      trips.push(stores.roundTrips());
      writes += outcome.writes;
    }
    const meanMs = (performance.now() - startedAt) / trips.length;
    const histogram: Record<string, number> = {};
    for (const count of trips.map(total)) histogram[count] = (histogram[count] ?? 0) + 1;
    const perStore = Object.fromEntries(STORES.map((store) => [store, spread(trips.map((trip) => trip[store]))])) as Record<Store, Spread>;
    return { sample: trips.length, writes, total: spread(trips.map(total)), perStore, histogram, meanMs };
  } finally {
    await stores.close();
  }
}
