export interface WaitOptions {
  /** Give up after this long, in ms. Default: 10000. */
  timeoutMs?: number;
  /** Pause between two tries, in ms. Default: 50. */
  intervalMs?: number;
}

/**
 * Polls `condition` until it returns a value other than undefined/false, and returns that value.
 * Tests wait on a condition with a bound, never for a fixed time.
 */
export async function waitFor<T>(description: string, condition: () => Promise<T | undefined | false> | T | undefined | false, options: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${description}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}
