import { describe, expect, it } from 'vitest';
import { cpuUsage } from '../../../bench/system.ts';
import type { CpuSnapshot } from '../../../bench/system.ts';

const POSTMASTER = 100;
const OLD_BACKEND = 101;
const NEW_BACKEND = 102;
const WORKER = 200;

function snapshot(atSeconds: number, entries: ReadonlyArray<[number, string, number, number, number]>): CpuSnapshot {
  return {
    at: atSeconds * 1_000,
    byPid: new Map(entries.map(([pid, comm, seconds, childSeconds, parent]) => [pid, { comm, seconds, childSeconds, parent }])),
  };
}

describe("the bench's CPU per process group", () => {
  it("counts an ended child's CPU within the window only, whenever it started", () => {
    // Over 10 s: a backend that had used 30 s before the window ends after 2 s more; one born in the
    // window uses 3 s and ends; the postmaster itself 1 s. Its children's total rises by 35 s.
    const before = snapshot(0, [
      [POSTMASTER, 'postgres', 10, 50, 1],
      [OLD_BACKEND, 'postgres', 30, 0, POSTMASTER],
      [WORKER, 'node', 4, 0, 1],
    ]);
    const after = snapshot(10, [
      [POSTMASTER, 'postgres', 11, 85, 1],
      [WORKER, 'node', 9, 0, 1],
    ]);

    expect(cpuUsage(before, after, new Map([[WORKER, 'idsync worker 1']]))).toEqual({ postgres: 0.6, 'idsync worker 1': 0.5 });
  });

  it('counts a live child by its own time, and a new one wholly', () => {
    const before = snapshot(0, [[POSTMASTER, 'postgres', 0, 0, 1], [OLD_BACKEND, 'postgres', 30, 0, POSTMASTER]]);
    const after = snapshot(4, [
      [POSTMASTER, 'postgres', 0, 0, 1],
      [OLD_BACKEND, 'postgres', 32, 0, POSTMASTER],
      [NEW_BACKEND, 'postgres', 2, 0, POSTMASTER],
    ]);

    expect(cpuUsage(before, after, new Map())).toEqual({ postgres: 1 });
  });
});
