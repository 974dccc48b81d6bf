import type { Dependency } from '../../config/dependency.ts';
import { withTimeout } from '../../deadline.ts';
import type { Logger } from '../../logging/logger.ts';

export type DependencyHealth = { status: 'up'; latencyMs: number } | { status: 'down'; latencyMs: number };

export interface HealthReport {
  status: 'ok' | 'unavailable';
  dependencies: Record<string, DependencyHealth>;
}

/**
 * Checks every dependency concurrently, each bounded by `timeoutMs`. The report names each
 * dependency and its state but not its error: /healthz is unauthenticated, and an error message
 * carries host names. The error goes to the log instead.
 */
export async function checkHealth(dependencies: readonly Dependency[], logger: Logger, timeoutMs: number): Promise<HealthReport> {
  const results = await Promise.all(
    dependencies.map(async (dependency): Promise<[string, DependencyHealth]> => {
      const started = performance.now();
      try {
        await withTimeout(dependency.check(), timeoutMs);
        return [dependency.name, { status: 'up', latencyMs: elapsed(started) }];
      } catch (error) {
        logger.warn({ dependency: dependency.name, url: dependency.url, err: error }, 'health check failed');
        return [dependency.name, { status: 'down', latencyMs: elapsed(started) }];
      }
    }),
  );
  const allUp = results.every(([, health]) => health.status === 'up');
  return { status: allUp ? 'ok' : 'unavailable', dependencies: Object.fromEntries(results) };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
