import type { Logger } from '../logging/logger.ts';

/**
 * One external service idsync holds a connection to. `check` is what /healthz and /readyz run;
 * `close` releases the connection and is safe to call more than once.
 */
export interface Dependency {
  /** Stable name used in health output, logs and errors: 'redis', 'crm', 'ledger', ... */
  readonly name: string;
  /** The service URL with credentials masked. */
  readonly url: string;
  check(): Promise<void>;
  close(): Promise<void>;
}

/** Closes each dependency in turn; one failing to close does not keep the others open. */
export async function closeAll(dependencies: readonly Dependency[], logger: Logger): Promise<void> {
  for (const dependency of dependencies) {
    try {
      await dependency.close();
    } catch (error) {
      logger.warn({ dependency: dependency.name, err: error }, 'closing a dependency failed');
    }
  }
}
