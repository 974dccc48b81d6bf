import type { Logger } from '../logging/logger.ts';

export type Step = readonly [name: string, run: () => unknown];

/**
 * Runs cleanup steps in order, each on its own: one that fails is logged and the next still runs,
 * so a stuck HTTP server never keeps a database connection open (as BullMQ's Worker.close does).
 * Resolves with what the failed steps threw, in order, for a caller that must report them.
 */
export async function runSteps(steps: readonly Step[], logger: Logger): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (const [name, run] of steps) {
    try {
      await run();
    } catch (error) {
      errors.push(error);
      logger.warn({ part: name, err: error }, 'stopping a part failed');
    }
  }
  return errors;
}
