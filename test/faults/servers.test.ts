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

describeWithAuthServer('the fault matrix: servers stopped under a steady write load (supabase)', () => {
  let stand: FaultStand | undefined;

  afterEach(async () => {
    await stand?.dispose();
    stand = undefined;
  });

  it('no fault, the same load for 30 s (the baseline of the writes beyond one per store per person)', async () => {
    stand = await createFaultStand();
    const { figures, processes } = await runFaultScenario(stand, {
      name: 'none (baseline: the same load, nothing stopped)',
      slug: '0-baseline',
      fault: () => outage(() => undefined, () => undefined),
    });
    expectFaultSurvived(figures);
    expect(processes.every(isRunning)).toBe(true);
  }, TEST_TIMEOUT_MS);

  it('Redis stopped for 30 s (SIGTERM, restarted from its AOF): everyone linked, idsync still running', async () => {
    stand = await createFaultStand();
    const { redis } = stand;
    const { figures, processes } = await runFaultScenario(stand, {
      name: 'Redis stopped for 30 s, restarted from its AOF',
      slug: '1-redis-stopped',
      fault: () => outage(() => redis.stop(), () => redis.start()),
    });
    expectFaultSurvived(figures);
    expect(processes.every(isRunning)).toBe(true);
  }, TEST_TIMEOUT_MS);

  it('Redis killed (SIGKILL) and restarted at once from its AOF: everyone linked, idsync still running', async () => {
    stand = await createFaultStand();
    const { redis } = stand;
    const { figures, processes } = await runFaultScenario(stand, {
      name: 'Redis SIGKILLed, restarted at once from its AOF',
      slug: '2-redis-killed-restarted',
      fault: async () => {
        const startedAt = Date.now();
        await redis.kill();
        await redis.start();
        return { startedAt, endedAt: Date.now() };
      },
    });
    expectFaultSurvived(figures);
    expect(processes.every(isRunning)).toBe(true);
  }, TEST_TIMEOUT_MS);

  it('the MongoDB server stopped (SIGSTOP) for 30 s: everyone linked, idsync still running', async () => {
    stand = await createFaultStand();
    const { mongo } = stand;
    const { figures, processes } = await runFaultScenario(stand, {
      name: 'MongoDB server stopped (SIGSTOP) for 30 s',
      slug: '3-mongo-stopped',
      fault: () => outage(() => mongo.freeze(), () => mongo.thaw()),
    });
    expectFaultSurvived(figures);
    expect(processes.every(isRunning)).toBe(true);
  }, TEST_TIMEOUT_MS);

  it('Postgres stopped for 30 s (Bookmaster, the ledger and Supabase’s database): everyone linked, idsync still running', async () => {
    stand = await createFaultStand();
    const { postgres } = stand;
    const { figures, processes } = await runFaultScenario(stand, {
      name: 'Postgres stopped for 30 s (Bookmaster, ledger, Supabase’s database)',
      slug: '4-postgres-stopped',
      fault: () => outage(() => postgres.stop(), () => postgres.start()),
    });
    expectFaultSurvived(figures);
    expect(processes.every(isRunning)).toBe(true);
  }, TEST_TIMEOUT_MS);

  it('the auth server stopped for 30 s: everyone linked, idsync still running', async () => {
    stand = await createFaultStand();
    const { auth } = stand;
    const { figures, processes } = await runFaultScenario(stand, {
      name: 'Supabase Auth server stopped for 30 s',
      slug: '5-auth-stopped',
      fault: () => outage(() => auth.stop(), () => auth.start()),
    });
    expectFaultSurvived(figures);
    expect(processes.every(isRunning)).toBe(true);
  }, TEST_TIMEOUT_MS);
});
