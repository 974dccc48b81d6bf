import { newPerson } from '../test/support/e2e-stores.ts';
import { createNamespace, runCommand, startRole, teardown } from './namespace.ts';
import type { IdsyncProcess } from './namespace.ts';
import { waitLinked } from './propagation.ts';
import { SEED_CHUNK } from './seed.ts';
import { cpuUsage, peakRssMiB, snapshotCpu } from './system.ts';

/*
 * Scenario 4: `idsync backfill --platform crm` over N CRM users, each with an unlinked same-email
 * twin in OmniStack and Bookmaster, run by K worker processes (no watchers, so no echo of idsync's
 * own writes). Reconciled per second = N / (last person linked - backfill started).
 *
 * Baseline: the backfill job's own enqueue rate in the same run (enumerate the CRM in batches and
 * addBulk the jobs): reconcile jobs cannot finish faster than they are enqueued, so it is the
 * ceiling the reconciles are measured against; their ratio is the share of it the workers reach.
 */

const MS_PER_SECOND = 1_000;

export interface BackfillResult {
  readonly users: number;
  readonly workerProcesses: number;
  readonly seedSeconds: number;
  readonly seconds: number;
  readonly reconciledPerSecond: number;
  readonly enqueueSeconds: number;
  readonly enqueuedPerSecond: number;
  readonly linkedAtEnd: number;
  readonly cpu: Record<string, number>;
  readonly peakRssMiB: Record<string, number>;
}

function backfillFinishedAt(workers: readonly IdsyncProcess[]): number {
  const line = workers.flatMap((worker) => worker.logs).find((entry) => entry.msg === 'backfill finished');
  return Number(line?.time ?? Number.NaN);
}

export async function runBackfill(users: number, workerProcesses: number, batchSize: number): Promise<BackfillResult> {
  const stores = await createNamespace();
  const people = Array.from({ length: users }, newPerson);
  const workers: IdsyncProcess[] = [];
  try {
    const seedStarted = performance.now();
    for (let start = 0; start < users; start += SEED_CHUNK) await stores.writePeople(people.slice(start, start + SEED_CHUNK));
    const seedSeconds = (performance.now() - seedStarted) / MS_PER_SECOND;
    const env = { ...stores.env, AUDIT_BATCH_SIZE: String(batchSize) };
    for (let index = 0; index < workerProcesses; index += 1) workers.push(await startRole({ ...stores, env }, 'workers'));
    const names = new Map(workers.map((worker, index) => [worker.child.pid ?? 0, `idsync worker ${index + 1}`]));
    const cpuBefore = snapshotCpu();
    const startedAt = Date.now();
    await runCommand(['backfill', '--platform', 'crm', '--json'], env);
    const times = await waitLinked(workers, people);
    const cpu = cpuUsage(cpuBefore, snapshotCpu(), names);
    const endedAt = Math.max(...times.values());
    const seconds = (endedAt - startedAt) / MS_PER_SECOND;
    const enqueueSeconds = (backfillFinishedAt(workers) - startedAt) / MS_PER_SECOND;
    const peak = Object.fromEntries(workers.map((worker, index) => [`idsync worker ${index + 1}`, Number(peakRssMiB(worker.child.pid ?? 0).toFixed(1))]));
    return {
      users,
      workerProcesses,
      seedSeconds,
      seconds,
      reconciledPerSecond: users / seconds,
      enqueueSeconds,
      enqueuedPerSecond: users / enqueueSeconds,
      linkedAtEnd: await stores.countLinked(people),
      cpu,
      peakRssMiB: peak,
    };
  } finally {
    await teardown(stores, workers);
  }
}
