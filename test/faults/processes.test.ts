import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { waitForWatching } from '../support/e2e-stores.ts';
import { WATCHED_SOURCES_WITH_SUPABASE } from '../support/e2e-supabase.ts';
import { expectFaultSurvived, FAULT_MS, isRunning, RECOVERY_BOUND_MS, runFaultScenario } from '../support/fault-matrix.ts';
import { createFaultStand } from '../support/fault-stand.ts';
import type { FaultStand } from '../support/fault-stand.ts';
import type { IdsyncProcess } from '../support/idsync-process.ts';
import { describeWithAuthServer } from '../support/supabase.ts';
import { waitFor } from '../support/wait-for.ts';

const TEST_TIMEOUT_MS = 480_000;
const START_TIMEOUT_MS = 60_000;

/** `idsync start --role watchers` and `--role workers` apart, so that either can be killed alone. */
async function startApart(stand: FaultStand): Promise<IdsyncProcess[]> {
  const workers = stand.e2e.run(['start', '--role', 'workers']);
  const watchers = stand.e2e.run(['start', '--role', 'watchers']);
  await workers.waitForLog('idsync started', START_TIMEOUT_MS);
  await waitForWatching(watchers, START_TIMEOUT_MS, WATCHED_SOURCES_WITH_SUPABASE);
  return [workers, watchers];
}

/** SIGKILLs `process`, then starts its replacement at once, as a supervisor would; the fault ends at the restart. */
async function killAndReplace(stand: FaultStand, processes: IdsyncProcess[], victim: IdsyncProcess, role: 'workers' | 'watchers') {
  const startedAt = Date.now();
  victim.child.kill('SIGKILL');
  expect(await victim.exited).toBe(null);
  processes.push(stand.e2e.run(['start', '--role', role]));
  return { startedAt, endedAt: Date.now() };
}

describeWithAuthServer('the fault matrix: idsync processes killed or doubled under a steady write load (supabase)', () => {
  let stand: FaultStand | undefined;
  let redis: Redis | undefined;

  afterEach(async () => {
    redis?.disconnect();
    redis = undefined;
    await stand?.dispose();
    stand = undefined;
  });

  it('a worker process SIGKILLed in the middle of a job: the job is taken over as stalled and completes, everyone linked', async () => {
    stand = await createFaultStand();
    const current = stand;
    const connection = new Redis(current.redis.url, { maxRetriesPerRequest: null });
    redis = connection;
    const reconcile = new Queue('reconcile', { connection, prefix: current.e2e.env.QUEUE_PREFIX });
    let killedJobs: Job[] = [];
    const { figures, processes } = await runFaultScenario(current, {
      name: 'a worker process SIGKILLed in the middle of a job, restarted at once',
      slug: '6-worker-killed',
      start: startApart,
      fault: async (stand, processes) => {
        killedJobs = await waitFor('a reconcile job to be running', async () => {
          const active = await reconcile.getActive();
          return active.length > 0 ? active : undefined;
        }, { timeoutMs: 30_000, intervalMs: 10 });
        return killAndReplace(stand, processes, processes[0] as IdsyncProcess, 'workers');
      },
    });
    expectFaultSurvived(figures);
    expect(killedJobs.length).toBeGreaterThan(0);
    // Each job the killed process held ran again: BullMQ saw it stalled (its lock expired) and a worker completed it.
    for (const job of killedJobs) {
      await waitFor(`job ${job.id} to complete`, async () => (await reconcile.getJobState(job.id ?? '')) === 'completed', { timeoutMs: RECOVERY_BOUND_MS });
    }
    expect(processes.slice(1).every(isRunning)).toBe(true);
    await reconcile.close();
  }, TEST_TIMEOUT_MS);

  it('the watcher process SIGKILLed in the middle of a batch: the new one resumes from the checkpoints, everyone linked', async () => {
    stand = await createFaultStand();
    const { figures, processes } = await runFaultScenario(stand, {
      name: 'the watcher process SIGKILLed in the middle of a batch, restarted at once',
      slug: '7-watcher-killed',
      start: startApart,
      fault: async (stand, processes, writer) => {
        // Killed just as a person's four records land: their events are unread, or read and not yet checkpointed.
        await writer.started.at(-1)?.written;
        return killAndReplace(stand, processes, processes[1] as IdsyncProcess, 'watchers');
      },
    });
    expectFaultSurvived(figures);
    const replacement = processes[2] as IdsyncProcess;
    // Everyone may be linked before it leads (the killed process had enqueued every change): it takes
    // the sources once the killed process's leases expire.
    const resumed = () => replacement.logs.filter((entry) => entry.msg === 'watching' && entry.from === 'checkpoint');
    await waitFor('the replacement to watch every MongoDB source from its checkpoint', () => resumed().length >= 4, { timeoutMs: RECOVERY_BOUND_MS });
    expect(resumed()).toHaveLength(4);
    expect([processes[0], replacement].every((process) => process !== undefined && isRunning(process))).toBe(true);
  }, TEST_TIMEOUT_MS);

  it('two `idsync start` processes at once for 30 s, then the first stopped: the second takes over, everyone linked', async () => {
    stand = await createFaultStand();
    const { figures, processes } = await runFaultScenario(stand, {
      name: 'two `idsync start` processes at once for 30 s, then the first stopped (SIGTERM)',
      slug: '8-two-processes',
      fault: async (stand, processes) => {
        const startedAt = Date.now();
        const second = stand.e2e.run(['start']);
        processes.push(second);
        await second.waitForLog('idsync started', START_TIMEOUT_MS);
        // Both run FAULT_MS by definition: a deadline on the clock, not a condition to wait for.
        await sleep(Math.max(0, startedAt + FAULT_MS - Date.now()));
        expect(await processes[0]?.stop('SIGTERM')).toBe(0);
        return { startedAt, endedAt: Date.now() };
      },
    });
    expectFaultSurvived(figures);
    const second = processes[1] as IdsyncProcess;
    expect(isRunning(second)).toBe(true);
    // The second stood by while the first led, then led every source.
    const led = new Set(second.logs.filter((entry) => entry.msg === 'watcher leading').map((entry) => entry.source));
    expect(led).toEqual(new Set(WATCHED_SOURCES_WITH_SUPABASE));
  }, TEST_TIMEOUT_MS);
});
