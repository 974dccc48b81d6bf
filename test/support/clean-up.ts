import { runSteps } from '../../src/app/run-steps.ts';
import { createLogger } from '../../src/logging/logger.ts';

/**
 * Runs a fixture's cleanup steps in order, each on its own, through idsync's own runSteps: a step
 * that fails (its server stopped by a fault test, or gone mid-run) must not leave what the later
 * steps hold (databases, queues, Supabase users) behind for every later run. Once all have run, it
 * throws what failed: the one error, or an AggregateError of them in order.
 */
export async function cleanUp(...steps: ReadonlyArray<() => unknown>): Promise<void> {
  const errors = await runSteps(
    steps.map((run, index) => [`cleanup step ${index + 1}`, run] as const),
    createLogger({ level: 'silent' }),
  );
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} cleanup steps failed`);
}
