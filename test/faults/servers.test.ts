import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import { expectFaultSurvived, FAULT_MS, isRunning, runFaultScenario } from '../support/fault-matrix.ts';
import type { FaultWindow } from '../support/fault-matrix.ts';
import { createFaultStand } from '../support/fault-stand.ts';
import type { FaultStand } from '../support/fault-stand.ts';
import { describeWithAuthServer } from '../support/supabase.ts';

/** A test's time: the stand's start, a warm-up, the fault, the recovery bound, settling and the stand's removal. */
const TEST_TIMEOUT_MS = 480_000;

/**
 * Takes a server away for FAULT_MS under the steady write load, then brings it back. The outage
 * lasts FAULT_MS by definition: a deadline on the clock, not a condition to wait for.
 */
async function outage(takeDown: () => Promise<void> | void, bringBack: () => Promise<void> | void): Promise<FaultWindow> {
  const startedAt = Date.now();
  try {
    await takeDown();
    await sleep(Math.max(0, startedAt + FAULT_MS - Date.now()));
  } finally {
    await bringBack();
  }
  return { startedAt, endedAt: Date.now() };
}

interface ServerFault {
  /** The test's title. */
  readonly title: string;
  /** The scenario's name and slug in the matrix table. */
  readonly name: string;
  readonly slug: string;
  readonly fault: (stand: FaultStand) => Promise<FaultWindow>;
}

const SERVER_FAULTS: readonly ServerFault[] = [
  {
    title: 'no fault, the same load for 30 s (the baseline of the writes beyond one per store per person)',
    name: 'none (baseline: the same load, nothing stopped)',
    slug: '0-baseline',
    fault: () => outage(() => undefined, () => undefined),
  },
  {
    title: 'Redis stopped for 30 s (SIGTERM, restarted from its AOF): everyone linked, idsync still running',
    name: 'Redis stopped for 30 s, restarted from its AOF',
    slug: '1-redis-stopped',
    fault: ({ redis }) => outage(() => redis.stop(), () => redis.start()),
  },
  {
    title: 'Redis killed (SIGKILL) and restarted at once from its AOF: everyone linked, idsync still running',
    name: 'Redis SIGKILLed, restarted at once from its AOF',
    slug: '2-redis-killed-restarted',
    fault: async ({ redis }) => {
      const startedAt = Date.now();
      await redis.kill();
      await redis.start();
      return { startedAt, endedAt: Date.now() };
    },
  },
  {
    title: 'the MongoDB server stopped (SIGSTOP) for 30 s: everyone linked, idsync still running',
    name: 'MongoDB server stopped (SIGSTOP) for 30 s',
    slug: '3-mongo-stopped',
    fault: ({ mongo }) => outage(() => mongo.freeze(), () => mongo.thaw()),
  },
  {
    title: 'Postgres stopped for 30 s (Bookmaster, the ledger and Supabase’s database): everyone linked, idsync still running',
    name: 'Postgres stopped for 30 s (Bookmaster, ledger, Supabase’s database)',
    slug: '4-postgres-stopped',
    fault: ({ postgres }) => outage(() => postgres.stop(), () => postgres.start()),
  },
  {
    title: 'the auth server stopped for 30 s: everyone linked, idsync still running',
    name: 'Supabase Auth server stopped for 30 s',
    slug: '5-auth-stopped',
    fault: ({ auth }) => outage(() => auth.stop(), () => auth.start()),
  },
];

describeWithAuthServer('the fault matrix: servers stopped under a steady write load (supabase)', () => {
  let stand: FaultStand | undefined;

  afterEach(async () => {
    await stand?.dispose();
    stand = undefined;
  });

  it.each(SERVER_FAULTS)('$title', async ({ name, slug, fault }) => {
    stand = await createFaultStand();
    const current = stand;
    const { figures, processes } = await runFaultScenario(current, { name, slug, fault: () => fault(current) });
    expectFaultSurvived(figures);
    expect(processes.every(isRunning)).toBe(true);
  }, TEST_TIMEOUT_MS);
});
