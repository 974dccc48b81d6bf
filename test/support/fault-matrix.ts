import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { expect } from 'vitest';
import { waitForWatching } from './e2e-stores.ts';
import { WATCHED_SOURCES_WITH_SUPABASE } from './e2e-supabase.ts';
import type { FaultStand } from './fault-stand.ts';
import type { IdsyncProcess } from './idsync-process.ts';
import { startSteadyWriter } from './steady-writer.ts';
import type { SteadyWriter } from './steady-writer.ts';
import { waitFor } from './wait-for.ts';

/** How long a server stays down (or a second process runs): the matrix's "for 30 s". */
export const FAULT_MS = 30_000;
/** New people per second during each test: modest, for a 2-core machine shared with other work. */
const PEOPLE_PER_SECOND = 5;
/** The pipeline must link this many people before the fault, so that it is shown working first. */
const WARM_UP_PEOPLE = 10;
/**
 * The backlog must be linked this long after the fault ends, at most: BullMQ retries back off up
 * to 64 s (so a job that failed late in the fault may wait that long), and a job whose worker was
 * killed waits for its 30 s lock to expire and the next 30 s stall check.
 */
export const RECOVERY_BOUND_MS = 150_000;
/** Everyone written must be linked this long after the writer stops, at most. */
const SETTLE_BOUND_MS = 120_000;
/** A record's link map has three entries: a write that adds at least one and replaces none can happen three times at most. */
export const MAX_WRITES_PER_RECORD = 3;
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/faults', import.meta.url));

/** When a fault began and when it ended (the server answers again, the process is back). */
export interface FaultWindow {
  readonly startedAt: number;
  readonly endedAt: number;
}

export interface FaultScenario {
  /** The matrix row: what was done to what. */
  readonly name: string;
  /** The name of its figures' file under test-artifacts/faults. */
  readonly slug: string;
  /** Starts idsync on the stand; resolves once every source is watched. Default: one `idsync start`. */
  readonly start?: (stand: FaultStand) => Promise<IdsyncProcess[]>;
  /** Injects the fault while `writer` writes, ends it, and says when; a process it starts joins `processes`. */
  readonly fault: (stand: FaultStand, processes: IdsyncProcess[], writer: SteadyWriter) => Promise<FaultWindow>;
}

/** One row of the matrix, as written to test-artifacts/faults/<slug>.json. */
export interface FaultFigures {
  readonly fault: string;
  readonly faultSeconds: number;
  readonly peopleWritten: number;
  readonly peopleLinked: number;
  /** People begun before the fault ended, and how many of them were not yet linked when it ended. */
  readonly backlog: number;
  readonly unlinkedAtFaultEnd: number;
  /** From the fault's end until every person of the backlog was linked in all four systems. */
  readonly recoverySeconds: number;
  /** Link writes in the ledger's sync_writes (one per record and attempt, whatever the fields). */
  readonly writes: number;
  /** Writes beyond one per store per person, in all and per person. */
  readonly extraWrites: number;
  readonly extraWritesPerPerson: number;
  readonly recordsWrittenMoreThanOnce: number;
  readonly maxWritesPerRecord: number;
  /** Link fields a write changed or removed (rather than set where there was none). */
  readonly linksReplaced: number;
  /** The writer's tries that failed (a store down) and were made again. */
  readonly writerRetries: number;
  readonly finishedAt: string;
  readonly machine: string;
}

/**
 * The matrix's common run: idsync started on the stand, the steady writer, a warm-up, the fault,
 * the recovery of the backlog, then the writer stopped and everyone linked; the figures are written
 * to test-artifacts/faults/<slug>.json and returned with the processes (for the test's assertions).
 */
export async function runFaultScenario(stand: FaultStand, scenario: FaultScenario): Promise<{ figures: FaultFigures; processes: IdsyncProcess[] }> {
  const { e2e } = stand;
  const processes = await (scenario.start ?? startOne)(stand);
  const writer = startSteadyWriter(e2e, { perSecond: PEOPLE_PER_SECOND });
  try {
    await waitFor('the writer to begin the first people', () => writer.started.length >= WARM_UP_PEOPLE, { timeoutMs: 30_000 });
    const firstPeople = await Promise.all(writer.started.slice(0, WARM_UP_PEOPLE).map((person) => person.written));
    await waitFor('the pipeline to link the first people before the fault', async () => (await e2e.countLinkedInFour(firstPeople)) === WARM_UP_PEOPLE, {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    const window = await scenario.fault(stand, processes, writer);
    const backlog = writer.started.filter((person) => person.startedAt < window.endedAt);
    const unlinkedAtFaultEnd = backlog.length - (await e2e.countLinkedInFour(await landed(backlog)));
    await waitFor(`the ${backlog.length} people begun before the fault ended to be linked`, async () => {
      const people = await Promise.all(backlog.map((person) => person.written));
      return (await e2e.countLinkedInFour(people)) === backlog.length;
    }, { timeoutMs: Math.max(0, window.endedAt + RECOVERY_BOUND_MS - Date.now()), intervalMs: 500 });
    const recoverySeconds = (Date.now() - window.endedAt) / 1000;
    const people = await writer.stop();
    const peopleLinked = await waitFor('everyone written to be linked', async () => {
      const linked = await e2e.countLinkedInFour(people);
      return linked === people.length ? linked : undefined;
    }, { timeoutMs: SETTLE_BOUND_MS, intervalMs: 500 }).catch(() => e2e.countLinkedInFour(people));
    const figures: FaultFigures = {
      fault: scenario.name,
      faultSeconds: (window.endedAt - window.startedAt) / 1000,
      peopleWritten: people.length,
      peopleLinked,
      backlog: backlog.length,
      unlinkedAtFaultEnd,
      recoverySeconds,
      ...(await ledgerWrites(e2e.stores.ledger, people.length)),
      writerRetries: writer.retries(),
      finishedAt: new Date().toISOString(),
      machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown cpu'}, load average ${os.loadavg()[0]?.toFixed(2)}`,
    };
    await mkdir(ARTIFACTS, { recursive: true });
    await writeFile(path.join(ARTIFACTS, `${scenario.slug}.json`), `${JSON.stringify(figures, null, 2)}\n`);
    return { figures, processes };
  } finally {
    await writer.stop().catch(() => undefined);
  }
}

/** One `idsync start` of every role, watching every source. */
async function startOne(stand: FaultStand): Promise<IdsyncProcess[]> {
  const idsync = stand.e2e.run(['start']);
  await waitForWatching(idsync, 60_000, WATCHED_SOURCES_WITH_SUPABASE);
  return [idsync];
}

/** The people of `started` whose four records are in their stores now. */
async function landed(started: SteadyWriter['started']) {
  const settled = await Promise.all(started.map((person) => Promise.race([person.written, Promise.resolve(undefined)])));
  return settled.filter((person) => person !== undefined);
}

/**
 * The link writes the ledger recorded: a write of one record is one row per link field it set,
 * all with the time of the job's transaction, so a record's writes are its distinct times.
 */
async function ledgerWrites(ledger: pg.Pool, people: number) {
  const { rows } = await ledger.query<{ writes: number; replaced: number }>(
    `select count(distinct written_at)::int as writes,
            count(*) filter (where before_value is not null and before_value <> 'null'::jsonb)::int as replaced
       from sync_writes group by platform, record_id`,
  );
  const writes = rows.reduce((sum, row) => sum + row.writes, 0);
  return {
    writes,
    extraWrites: writes - people * 4,
    extraWritesPerPerson: Math.round(((writes - people * 4) / people) * 100) / 100,
    recordsWrittenMoreThanOnce: rows.filter((row) => row.writes > 1).length,
    maxWritesPerRecord: Math.max(0, ...rows.map((row) => row.writes)),
    linksReplaced: rows.reduce((sum, row) => sum + row.replaced, 0),
  };
}

/**
 * What every fault test promises: everyone written is linked in all four systems, no link was ever
 * replaced or removed, and each record was written at most three times (each write added a link).
 */
export function expectFaultSurvived(figures: FaultFigures): void {
  expect(figures.peopleLinked).toBe(figures.peopleWritten);
  expect(figures.linksReplaced).toBe(0);
  expect(figures.maxWritesPerRecord).toBeLessThanOrEqual(MAX_WRITES_PER_RECORD);
  expect(figures.extraWrites).toBeLessThanOrEqual(figures.peopleWritten * 4 * (MAX_WRITES_PER_RECORD - 1));
}

/** Whether `process` is still running. */
export const isRunning = (process: IdsyncProcess): boolean => process.child.exitCode === null && process.child.signalCode === null;
