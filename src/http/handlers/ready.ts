import type { Dependency } from '../../config/dependency.ts';
import type { Logger } from '../../logging/logger.ts';
import { checkHealth } from './health.ts';
import type { DependencyHealth } from './health.ts';

export interface ReadinessReport {
  status: 'ready' | 'not-ready';
  /** Why not, when not: 'closing', or the dependencies that did not answer. */
  checks: Record<string, DependencyHealth['status']>;
  closing: boolean;
}

/**
 * Ready means this process can take work: it is not shutting down, and the stores it cannot work
 * without (Redis for the queues, the ledger) answer. A platform store being down does not make it
 * unready (jobs retry with backoff); /healthz reports those.
 */
export async function checkReady(dependencies: readonly Dependency[], closing: boolean, logger: Logger, timeoutMs: number): Promise<ReadinessReport> {
  const health = await checkHealth(dependencies, logger, timeoutMs);
  const checks = Object.fromEntries(Object.entries(health.dependencies).map(([name, state]) => [name, state.status]));
  return { status: health.status === 'ok' && !closing ? 'ready' : 'not-ready', checks, closing };
}
