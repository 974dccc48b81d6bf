import type { Job } from 'bullmq';
import { codes, IdsyncError } from '../errors.ts';
import { propagateProfileJobSchema } from '../queues/job-payloads.ts';
import { propagateProfile } from '../propagate/propagate-profile.ts';
import type { PropagateDependencies, PropagateOptions, PropagateOutcome } from '../propagate/propagate-profile.ts';
import { invalidPayload } from './job-errors.ts';

/**
 * The propagate queue's processor: one CRM user's name and email per 'profile' job,
 * to every linked system that has a profile target. A bad payload, or a job name the queue does
 * not know, fails at once: a retry would fail the same way.
 */
export function createPropagateProcessor(deps: PropagateDependencies, options: PropagateOptions = {}) {
  return async (job: Job): Promise<PropagateOutcome> => {
    if (job.name !== 'profile') throw new IdsyncError(codes.UNKNOWN_JOB, `the propagate queue runs 'profile' jobs only`);
    const parsed = propagateProfileJobSchema.safeParse(job.data);
    if (!parsed.success) throw invalidPayload(parsed.error);
    return propagateProfile(deps, parsed.data.crmId, { trigger: parsed.data.trigger, jobId: job.id ?? 'unknown' }, options);
  };
}
