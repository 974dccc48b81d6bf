/*
 * The one way idsync bounds a wait. A promise cannot be cancelled: the work goes on after the
 * deadline, and whoever races it decides what the deadline means (a value, or a failure).
 */

/** `work`'s outcome, or what `late` returns (or throws) when `timeoutMs` pass first. */
export async function raceDeadline<T>(work: Promise<T>, timeoutMs: number, late: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(late());
      } catch (error) {
        reject(error);
      }
    }, timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** `work`'s outcome, or a failure when `timeoutMs` pass first. */
export function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  return raceDeadline(work, timeoutMs, () => {
    throw new Error(`no answer within ${timeoutMs} ms`);
  });
}
