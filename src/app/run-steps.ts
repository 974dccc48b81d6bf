import type { Logger } from '../logging/logger.ts';

export type Step = readonly [name: string, run: () => Promise<unknown> | undefined];

/**
 * Runs cleanup steps in order, each on its own: one that fails is logged and the next still runs,
 * so a stuck HTTP server never keeps a database connection open (as BullMQ's Worker.close does).
 */
export async function runSteps(steps: readonly Step[], logger: Logger): Promise<void> {
  for (const [name, run] of steps) {
    try {
      await run();
    } catch (error) {
      logger.warn({ part: name, err: error }, 'stopping a part failed');
    }
  }
}

/** `work`'s value, or `late` when `timeoutMs` pass first (`work` goes on regardless). */
export async function within<T>(work: Promise<T>, timeoutMs: number, late: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late), timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
