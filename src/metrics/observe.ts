import type { Job, Worker } from 'bullmq';
import { isPlatform, mapPresent } from '../ids/index.ts';
import type { Adapters, PlatformAdapter, WriteOutcome } from '../platforms/platform-adapter.ts';
import type { ProfileTarget, ProfileTargets } from '../platforms/profile-target.ts';
import type { MetricsRecorder, WriteOutcomeLabel } from './metrics.ts';

const MS_PER_SECOND = 1_000;

/**
 * Counts every job attempt the workers finish, by queue and outcome. A failed attempt that BullMQ
 * will run again has no `finishedOn` yet: it counts as 'retried', the last one as 'failed'.
 * Returns a function that stops counting.
 */
export function observeWorkers(workers: readonly Worker[], recorder: MetricsRecorder): () => void {
  const detach = workers.map((worker) => {
    const completed = () => recorder.jobFinished(worker.name, 'completed');
    const failed = (job: Job | undefined) => recorder.jobFinished(worker.name, job && !job.finishedOn ? 'retried' : 'failed');
    worker.on('completed', completed);
    worker.on('failed', failed);
    return () => {
      worker.off('completed', completed);
      worker.off('failed', failed);
    };
  });
  return () => detach.forEach((stop) => stop());
}

/** The same adapters, each of whose link writes is counted by platform and outcome. */
export function countWrites(adapters: Adapters, recorder: MetricsRecorder): Adapters {
  return mapPresent(adapters, (adapter: PlatformAdapter): PlatformAdapter => ({
    ...adapter,
    writeLinks: (record, change) => counted(adapter.writeLinks(record, change), (outcome) => recorder.platformWrite(adapter.platform, outcome)),
  }));
}

/** The same profile targets, each of whose profile writes is counted by platform and outcome. */
export function countProfileWrites(targets: ProfileTargets, recorder: MetricsRecorder): ProfileTargets {
  return mapPresent(targets, (target: ProfileTarget): ProfileTarget => ({
    ...target,
    write: (current, changes) => counted(target.write(current, changes), (outcome) => recorder.profileWrite(target.platform, outcome)),
  }));
}

/** Records how a write ended: its outcome, or 'error' when it threw (the error goes on). */
async function counted(write: Promise<WriteOutcome>, record: (outcome: WriteOutcomeLabel) => void): Promise<WriteOutcome> {
  try {
    const outcome = await write;
    record(outcome);
    return outcome;
  } catch (error) {
    record('error');
    throw error;
  }
}

/**
 * Records the change-to-consistent time of a reconcile job that a change event set going and that
 * succeeded: from the moment the watcher enqueued the event (the job's timestamp; with debouncing,
 * the latest event of the burst) to now.
 */
export function recordReconciled(job: Pick<Job, 'data' | 'timestamp'>, recorder: MetricsRecorder, now: number = Date.now()): void {
  const data = (job.data ?? {}) as { platform?: unknown; trigger?: { type?: unknown } };
  if (data.trigger?.type !== 'change-event' || !isPlatform(data.platform)) return;
  recorder.changeToConsistent(data.platform, (now - job.timestamp) / MS_PER_SECOND);
}
