import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { Queues } from '../queues/queues.ts';
import type { QueueName } from '../queues/queue-names.ts';
import type { AuthFailures } from './auth-failures.ts';
import { requireBasicAuth } from './auth.ts';
import type { HttpCredentials } from './auth.ts';

/** Where Bull Board is served. */
export const DASHBOARD_PATH = '/admin/queues';

const DESCRIPTIONS: Record<QueueName, string> = {
  reconcile: 'one person per job, deduplicated per record',
  provision: 'create-staff-member across every system',
  propagate: 'CRM name and email to the other systems',
  maintenance: 'audit, cleanup-orphans and backfill runs',
};

/**
 * Registers Bull Board for every queue, behind basic auth, in a scope of its own: the auth hook
 * and Bull Board's view engine, static files and error handler apply to its routes only.
 */
export async function registerDashboard(app: FastifyInstance, queues: Queues, credentials: HttpCredentials, failures: AuthFailures): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRequest', requireBasicAuth(credentials, failures));
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(DASHBOARD_PATH);
    createBullBoard({
      queues: Object.entries(queues.byName).map(
        ([name, queue]) => new BullMQAdapter(queue, { description: DESCRIPTIONS[name as QueueName] }),
      ),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'idsync' } },
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PATH });
  });
}
