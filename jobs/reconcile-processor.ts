import type { Job } from 'bullmq';
import type { Config } from '../src/config/load-config.ts';
import { reconcileJobSchema } from '../src/queues/job-payloads.ts';
import { reconcilePerson } from '../src/reconcile/reconcile-person.ts';
import type { ReconcileDependencies, ReconcileOutcome } from '../src/reconcile/reconcile-person.ts';
import { invalidPayload } from './job-errors.ts';

/** The reconcile queue's processor: one person per job (SPEC §4). */
export function createReconcileProcessor(deps: ReconcileDependencies, config: Pick<Config, 'platforms' | 'policy'>) {
  return async (job: Job): Promise<ReconcileOutcome> => {
    const parsed = reconcileJobSchema.safeParse(job.data);
    if (!parsed.success) throw invalidPayload(parsed.error);
    const { trigger, ...origin } = parsed.data;
    return reconcilePerson(deps, origin, { trigger, jobId: job.id ?? 'unknown' }, {
      platforms: config.platforms,
      conflictPolicy: config.policy.conflict,
    });
  };
}
