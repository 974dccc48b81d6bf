import type { Queues } from '../../queues/queues.ts';
import type { StaffBody } from '../request-schemas.ts';
import type { Enqueued } from './enqueue.ts';

/**
 * POST /api/staff: a `create-staff-member` job on the provision queue, deduplicated by
 * email while one waits or runs. The accounts are opened by a worker; the job's result in Bull
 * Board (or `idsync staff create`, which waits) names them.
 */
export async function enqueueStaff(context: { readonly queues: Queues }, body: StaffBody): Promise<Enqueued> {
  const jobId = await context.queues.enqueueProvision(body, { type: 'command', via: 'api' });
  return { queue: 'provision', name: 'create-staff-member', jobId };
}
