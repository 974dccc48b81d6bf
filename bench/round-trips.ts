import { loadConfig } from '../src/config/load-config.ts';
import { createLogger } from '../src/logging/logger.ts';
import { reconcilePerson } from '../src/reconcile/reconcile-person.ts';
import { openCountedStores, STORES } from './counted-stores.ts';
import type { RoundTrips, Store } from './counted-stores.ts';

/*
 * Reconciles run one at a time in this process, from CRM records, with the real reconcile
 * (`reconcilePerson`) over the counting stores: each reconcile's round trips per store, and the
 * wall time spent in each store's calls. After a backfill has linked everyone, a sample of them
 * shows what a consistent person costs (no write); a sample of people whose CRM record was
 * written after the backfill shows what linking a new person costs, without the workers' load.
 */

export interface Spread {
  readonly mean: number;
  readonly max: number;
}

export interface ReconcileSample {
  readonly sample: number;
  /** Link writes the reconciles made: 0 when every person sampled was consistent. */
  readonly writes: number;
  readonly total: Spread;
  readonly perStore: Record<Store, Spread>;
  /** How many reconciles made each number of round trips. */
  readonly histogram: Record<string, number>;
  /** Wall time of one reconcile, in ms. */
  readonly meanMs: number;
  /** Mean wall time in each store's calls per reconcile, in ms (parallel calls each count theirs). */
  readonly msPerStore: Record<Store, number>;
}

/** `count` items spread evenly over `items`: the first, the last and those between. */
export function spreadSample<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  const step = (items.length - 1) / (count - 1);
  return Array.from({ length: count }, (_, index) => items[Math.round(index * step)] as T);
}

function spread(values: readonly number[]): Spread {
  return { mean: values.reduce((sum, value) => sum + value, 0) / values.length, max: Math.max(...values) };
}

const total = (trips: RoundTrips) => STORES.reduce((sum, store) => sum + trips[store], 0);

/** Reconciles the person of each CRM id in turn (none may be empty). */
export async function measureReconciles(env: Record<string, string>, crmIds: readonly string[], label: string): Promise<ReconcileSample> {
  const config = loadConfig({ NODE_ENV: 'test', ...env, LOG_LEVEL: 'silent' });
  const stores = await openCountedStores(config);
  const deps = { adapters: stores.adapters, links: stores.links, ledger: stores.ledgerStore, logger: createLogger({ level: 'silent' }) };
  const options = { platforms: config.platforms, required: config.requiredPlatforms, conflictPolicy: config.policy.conflict };
  const trips: RoundTrips[] = [];
  const spent: RoundTrips[] = [];
  let writes = 0;
  try {
    const startedAt = performance.now();
    for (const [index, id] of crmIds.entries()) {
      stores.reset();
      const outcome = await reconcilePerson(deps, { platform: 'crm', id }, { trigger: { type: 'command', via: 'cli' }, jobId: `bench-${label}-${index}` }, options);
      trips.push(stores.roundTrips());
      spent.push(stores.timeSpent());
      writes += outcome.writes;
    }
    const meanMs = (performance.now() - startedAt) / trips.length;
    const histogram: Record<string, number> = {};
    for (const count of trips.map(total)) histogram[count] = (histogram[count] ?? 0) + 1;
    const perStore = Object.fromEntries(STORES.map((store) => [store, spread(trips.map((trip) => trip[store]))])) as Record<Store, Spread>;
    const msPerStore = Object.fromEntries(STORES.map((store) => [store, spread(spent.map((time) => time[store])).mean])) as Record<Store, number>;
    return { sample: trips.length, writes, total: spread(trips.map(total)), perStore, histogram, meanMs, msPerStore };
  } finally {
    await stores.close();
  }
}
