import { newPerson } from '../test/support/e2e-stores.ts';
import type { Person } from '../test/support/e2e-stores.ts';
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
 *
 * Also: one person reconciled by hand (`idsync reconcile omnistack:<id> --wait`, the live lane)
 * right after the backfill's jobs are queued, beside the same command for another person while the
 * workers are idle. Bulk jobs run behind live ones, so the two should be close.
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
  /** Wall time of `idsync reconcile --wait` for one person while the workers are idle, and right after the backfill is queued, in ms. */
  readonly liveReconcileMs: { readonly idle: number; readonly duringBackfill: number };
  readonly cpu: Record<string, number>;
  readonly peakRssMiB: Record<string, number>;
}

function backfillFinishedAt(workers: readonly IdsyncProcess[]): number {
  const line = workers.flatMap((worker) => worker.logs).find((entry) => entry.msg === 'backfill finished');
  return Number(line?.time ?? Number.NaN);
}

/** The wall time of `idsync reconcile omnistack:<id> --wait` for one person, in ms. */
async function timeLiveReconcile(person: Person, env: Record<string, string>): Promise<number> {
  const started = performance.now();
  await runCommand(['reconcile', `omnistack:${person.omnistack}`, '--wait', '--json'], env);
  return performance.now() - started;
}

export async function runBackfill(users: number, workerProcesses: number, batchSize: number): Promise<BackfillResult> {
  const stores = await createNamespace();
  const people = Array.from({ length: users }, newPerson);
  const [idlePerson, livePerson] = [newPerson(), newPerson()];
  const workers: IdsyncProcess[] = [];
  try {
    const seedStarted = performance.now();
    await stores.writePeople([idlePerson, livePerson]);
    for (let start = 0; start < users; start += SEED_CHUNK) await stores.writePeople(people.slice(start, start + SEED_CHUNK));
    const seedSeconds = (performance.now() - seedStarted) / MS_PER_SECOND;
    const env = { ...stores.env, AUDIT_BATCH_SIZE: String(batchSize) };
    for (let index = 0; index < workerProcesses; index += 1) workers.push(await startRole({ ...stores, env }, 'workers'));
    const names = new Map(workers.map((worker, index) => [worker.child.pid ?? 0, `idsync worker ${index + 1}`]));
    const idle = await timeLiveReconcile(idlePerson, env);
    const cpuBefore = snapshotCpu();
    const startedAt = Date.now();
    await runCommand(['backfill', '--platform', 'crm', '--json'], env);
    const duringBackfill = await timeLiveReconcile(livePerson, env);
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
      liveReconcileMs: { idle, duringBackfill },
      cpu,
      peakRssMiB: peak,
    };
  } finally {
    await teardown(stores, workers);
  }
}
