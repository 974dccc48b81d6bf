import { afterEach, beforeEach } from 'vitest';
import { createE2eStores } from './e2e-stores.ts';
import type { E2eStores } from './e2e-stores.ts';
import { runIdsync } from './idsync-process.ts';
import type { IdsyncProcess } from './idsync-process.ts';
import { cleanUp } from './clean-up.ts';

export interface E2eWorkersEach {
  /** This test's stores. */
  stores(): E2eStores;
  /** Starts `idsync start --role workers` on this test's stores and waits until it has started. */
  startWorkers(): Promise<IdsyncProcess>;
}

/**
 * Registers the hooks of an e2e file whose tests each get stores of their own and may start a
 * workers process: after each test the process is stopped (SIGTERM) and the stores removed.
 */
export function e2eWorkersEach(): E2eWorkersEach {
  let stores: E2eStores | undefined;
  let workers: IdsyncProcess | undefined;
  beforeEach(async () => {
    stores = await createE2eStores();
  });
  afterEach(async () => {
    const [stopping, removing] = [workers, stores];
    workers = undefined;
    await cleanUp(
      () => stopping?.stop(),
      () => removing?.dispose(),
    );
  });
  const current = () => {
    if (!stores) throw new Error('the stores exist only inside a test');
    return stores;
  };
  return {
    stores: current,
    startWorkers: async () => {
      workers = runIdsync(['start', '--role', 'workers'], current().env);
      await workers.waitForLog('idsync started');
      return workers;
    },
  };
}
