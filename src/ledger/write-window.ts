/*
 * Writes that go on while their caller computes the next: at most `limit` in flight, the caller
 * held back when that many are. A failed write is not an unhandled rejection while the caller
 * works on: it is kept, and thrown by the next call.
 */
export interface WriteWindow {
  /** Waits until fewer than the limit are in flight, then starts `write`; throws the first failure of any write. */
  start(write: () => Promise<unknown>): Promise<void>;
  /** Waits for every write in flight; throws the first failure of any write. */
  drain(): Promise<void>;
}

export function writeWindow(limit: number): WriteWindow {
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  const failed = () => {
    if (failure !== undefined) throw failure;
  };
  return {
    start: async (write) => {
      while (inFlight.size >= limit) await Promise.race(inFlight);
      failed();
      const running: Promise<void> = write().then(
        () => void inFlight.delete(running),
        (error: unknown) => {
          failure ??= error;
          inFlight.delete(running);
        },
      );
      inFlight.add(running);
    },
    drain: async () => {
      await Promise.all(inFlight);
      failed();
    },
  };
}
