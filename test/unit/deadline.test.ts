import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { raceDeadline, withTimeout } from '../../src/deadline.ts';

/* The one way idsync bounds a wait, on a clock the test moves. */

describe('raceDeadline and withTimeout', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  /** A promise the test settles by hand. */
  function pending<T>() {
    let resolve!: (value: T) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<T>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    return { promise, resolve, reject };
  }

  it("answers the work's value when it comes in time, and leaves no timer behind", async () => {
    const work = pending<string>();
    const raced = raceDeadline(work.promise, 1_000, () => 'late');
    work.resolve('done');
    await expect(raced).resolves.toBe('done');
    expect(vi.getTimerCount()).toBe(0);
  });

  it("passes the work's own failure through when it comes in time", async () => {
    const work = pending<string>();
    const raced = withTimeout(work.promise, 1_000);
    work.reject(new Error('refused'));
    await expect(raced).rejects.toThrow('refused');
    expect(vi.getTimerCount()).toBe(0);
  });

  it("answers what `late` returns once the deadline passed, and ignores the work's later outcome", async () => {
    const work = pending<boolean>();
    const raced = raceDeadline(work.promise, 1_000, () => false);
    await vi.advanceTimersByTimeAsync(999);
    work.resolve(true);
    await expect(raced).resolves.toBe(true);

    const slow = pending<boolean>();
    const racedSlow = raceDeadline(slow.promise, 1_000, () => false);
    await vi.advanceTimersByTimeAsync(1_000);
    slow.resolve(true);
    await expect(racedSlow).resolves.toBe(false);
  });

  it('fails with what `late` throws, and withTimeout fails on its own', async () => {
    const raced = raceDeadline(pending<number>().promise, 50, () => {
      throw new RangeError('too slow');
    });
    const timed = withTimeout(pending<number>().promise, 50);
    const outcomes = Promise.allSettled([raced, timed]);
    await vi.advanceTimersByTimeAsync(50);
    const [first, second] = await outcomes;
    expect(first).toMatchObject({ status: 'rejected', reason: expect.any(RangeError) });
    expect(second).toMatchObject({ status: 'rejected', reason: expect.any(Error) });
  });
});
