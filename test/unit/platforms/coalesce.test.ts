import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codes } from '../../../src/errors.ts';
import { coalescedLoader, loadAll } from '../../../src/platforms/coalesce.ts';

/*
 * The coalescer over a read of a fixed table: what each caller gets must be what a read of its own
 * keys gets, whatever else was asked at the same time; the keys held back while reads run go
 * together in the next one.
 */

const TABLE = new Map(['a', 'b', 'c', 'd', 'e', 'f'].map((key) => [key, key.toUpperCase()]));
const lookUp = (key: string) => TABLE.get(key) ?? null;

interface Recorded {
  readonly reads: string[][];
  readonly peakInFlight: number;
}

/** A read of TABLE that takes `turns` event-loop turns, recording each batch and how many ran at once. */
function recordingRead(turns: number) {
  const reads: string[][] = [];
  let inFlight = 0;
  let peak = 0;
  const read = async (keys: readonly string[]) => {
    reads.push([...keys]);
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    for (let turn = 0; turn < turns; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    inFlight -= 1;
    return keys.map(lookUp);
  };
  return { read, recorded: (): Recorded => ({ reads, peakInFlight: peak }) };
}

/** Resolves after `turns` event-loop turns. */
async function later(turns: number): Promise<void> {
  for (let turn = 0; turn < turns; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

const callArbitrary = fc.record({
  keys: fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'x', 'y'), { maxLength: 5 }),
  startTurn: fc.nat({ max: 6 }),
});

describe('coalescedLoader', () => {
  it('answers each caller as its own read would, never reads a key twice at once, and keeps to maxInFlight', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(callArbitrary, { maxLength: 12 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 3 }), async (calls, maxInFlight, turns) => {
        const { read, recorded } = recordingRead(turns);
        const loader = coalescedLoader(read, (key: string) => key, { maxInFlight, maxBatchSize: 4 });
        const answers = await Promise.all(calls.map(async ({ keys, startTurn }) => later(startTurn).then(() => loadAll(loader, keys))));
        answers.forEach((answer, index) => expect(answer).toEqual(calls[index]?.keys.map(lookUp)));
        const { reads, peakInFlight } = recorded();
        expect(peakInFlight).toBeLessThanOrEqual(maxInFlight);
        for (const keys of reads) expect(new Set(keys).size).toBe(keys.length);
        for (const keys of reads) expect(keys.length).toBeLessThanOrEqual(4);
        expect(reads.flat().length).toBeLessThanOrEqual(calls.reduce((sum, call) => sum + call.keys.length, 0));
      }),
    );
  });

  it('sends a lone call at once, and the calls made while it runs together in one read after it', async () => {
    let release: () => void = () => undefined;
    const reads: string[][] = [];
    const read = async (keys: readonly string[]) => {
      reads.push([...keys]);
      if (reads.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return keys.map(lookUp);
    };
    const loader = coalescedLoader(read, (key: string) => key);
    const first = loadAll(loader, ['a']);
    await later(2);
    expect(reads).toEqual([['a']]);
    const waiting = [loadAll(loader, ['b', 'c']), loadAll(loader, ['c', 'x']), loadAll(loader, ['d'])];
    await later(2);
    expect(reads).toHaveLength(1);
    release();
    expect(await first).toEqual(['A']);
    expect(await Promise.all(waiting)).toEqual([['B', 'C'], ['C', null], ['D']]);
    expect(reads).toEqual([['a'], ['b', 'c', 'x', 'd']]);
  });

  it('fails every caller of a read that fails with its error, and reads for the next callers all the same', async () => {
    const failure = new Error('the store went away');
    let calls = 0;
    const read = async (keys: readonly string[]) => {
      calls += 1;
      if (calls === 1) throw failure;
      return keys.map(lookUp);
    };
    const loader = coalescedLoader(read, (key: string) => key);
    const failed = await Promise.allSettled([loadAll(loader, ['a']), loadAll(loader, ['b'])]);
    expect(failed).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
    expect(await loadAll(loader, ['a', 'b'])).toEqual(['A', 'B']);
  });

  it('refuses options that would hold every read back or batch nothing, with their codes', () => {
    const read = async (keys: readonly string[]) => keys.map(lookUp);
    const create = (options: object) => () => coalescedLoader(read, (key: string) => key, options);
    for (const maxInFlight of [0, -1, 1.5, Number.NaN, '2']) expect(create({ maxInFlight })).toThrow(expect.objectContaining({ code: codes.INVALID_ARGUMENT }));
    for (const maxBatchSize of [0, 10_001, 2.5]) expect(create({ maxBatchSize })).toThrow(expect.objectContaining({ code: codes.INVALID_BATCH_SIZE }));
    expect(create({ maxInFlight: 2, maxBatchSize: 10_000 })).not.toThrow();
  });
});
