import type { Pool } from 'pg';
import { ConfigError } from '../errors.ts';
import type { Platform, RecordKey } from '../ids/index.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import type { LinkKind } from './link-index.ts';
import { swapInFreshTable } from './fresh-table.ts';
import { ScanStage } from './scan-stage.ts';
import type { StageMerged } from './scan-stage.ts';
import { removeUnseen } from './unseen-rows.ts';
import type { RebuildScope } from './unseen-rows.ts';

/*
 * The audit is the snapshot, the watchers and reconciles the stream: an audit's full scan makes the
 * link index say what the systems held, while reconciles keep refreshing it. The scan's rows
 * stream (COPY) into a temporary table, a chunk at a time, and each chunk is merged by one upsert:
 * an upsert per batch, its rows sent as JSON, cost Postgres more (bench/RESULTS.md). Two
 * connections take turns, one merging its chunk while the scan streams into the other, so Postgres
 * merges while the scan reads on: merging every row after the scan, the first audit of 1,000,000
 * people waited 45 s on one 3,000,000-row insert, which also held back every reconcile writing one
 * of those rows. A row that a reconcile changed after the scan began is newer than the scan, so the
 * rebuild neither overwrites nor deletes it. An index found empty has nothing to merge with: its
 * rebuild loads a table of its own instead (fresh-table.ts).
 */

export interface LinkIndexRebuild {
  /**
   * Streams one scanned batch's rows, and resolves once Postgres takes more: merging, the scan never
   * runs further ahead of the index than a chunk. Rejects once a stream or a merge failed.
   */
  add(records: readonly PersonRecord[]): Promise<void>;
  /**
   * Merges the last rows, then, given what the scan saw (`seen`), drops the rows of records of
   * `platforms` it did not see. Without `seen` nothing is dropped: a first build fills an empty
   * index. Gives the connections back.
   */
  finish(seen?: (key: RecordKey) => boolean): Promise<LinkIndexRebuilt>;
  /** Gives the connections up, and the rows not merged with them, if finish has not: for a scan that failed. Safe to call twice. */
  close(): void;
}

/** Rows the rebuild changed. */
export interface LinkIndexRebuilt extends StageMerged {
  readonly removed: number;
}

export interface LinkIndexRebuildOptions {
  /** Whose records are indexed. Default: 'user'. */
  kind?: LinkKind;
  /** Rows streamed into one connection's table before it merges them. Default: 100,000. */
  chunkRows?: number;
}

const DEFAULT_CHUNK_ROWS = 100_000;

/** When the rebuild's scan began, by the database's clock (the one refreshed_at is written with), and whether the index held no row then. */
interface RebuildStart {
  readonly started: Date;
  readonly empty: boolean;
}

/**
 * Starts rebuilding the rows of records of `platforms` from a scan that begins now, on connections
 * of its own to `pool`'s database, held until finish or close: two taking turns, or one when the
 * index holds no row at all.
 */
export async function startLinkIndexRebuild(pool: Pool, platforms: readonly Platform[], options: LinkIndexRebuildOptions = {}): Promise<LinkIndexRebuild> {
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  if (!Number.isInteger(chunkRows) || chunkRows < 1) {
    throw new ConfigError([`link index rebuild: chunkRows must be a whole number of at least 1, not ${chunkRows}`]);
  }
  const stages: ScanStage[] = [];
  try {
    stages.push(await ScanStage.open(pool));
    const [first] = stages as [ScanStage];
    const { rows } = await first.query<RebuildStart>('select clock_timestamp() as started, not exists (select 1 from link_index) as empty');
    const { started, empty } = rows[0] as RebuildStart;
    const scope = { kind: options.kind ?? 'user', platforms, started };
    if (empty) return new FreshTable(first, scope.kind);
    stages.push(await ScanStage.open(pool));
    return new TakingTurns(stages as [ScanStage, ScanStage], scope, chunkRows);
  } catch (error) {
    for (const stage of stages) stage.release();
    throw error;
  }
}

/** An empty index's rebuild: every row staged on one connection, then loaded into a table of its own and swapped in. */
class FreshTable implements LinkIndexRebuild {
  readonly #stage: ScanStage;
  readonly #kind: LinkKind;

  constructor(stage: ScanStage, kind: LinkKind) {
    this.#stage = stage;
    this.#kind = kind;
  }

  add = (records: readonly PersonRecord[]): Promise<void> => this.#stage.write(records);

  /** Nothing was held before the scan, so nothing is older than it to drop: `seen` is not asked. */
  finish = async (): Promise<LinkIndexRebuilt> => {
    try {
      await this.#stage.endStream();
      const written = await swapInFreshTable(this.#stage, this.#kind);
      await analyzeAndClose([this.#stage]);
      return { written, removed: 0 };
    } finally {
      this.close();
    }
  };

  close = (): void => this.#stage.release();
}

/** Two stages: the scan streams into the current one while the other merges. */
class TakingTurns implements LinkIndexRebuild {
  readonly #stages: readonly [ScanStage, ScanStage];
  readonly #scope: RebuildScope;
  readonly #chunkRows: number;
  /** Which of the stages the scan streams into. */
  #currentAt: 0 | 1 = 0;
  /** The other stage's merge, if it has one under way. */
  #merging: Promise<StageMerged> | undefined;
  #merged: StageMerged = { written: 0 };
  /** The last add, settled: the next waits for it. */
  #adding: Promise<void> = Promise.resolve();

  constructor(stages: readonly [ScanStage, ScanStage], scope: RebuildScope, chunkRows: number) {
    this.#stages = stages;
    this.#scope = scope;
    this.#chunkRows = chunkRows;
  }

  /** Every system's scan adds at once: one add at a time, so that two never both start a turn. */
  add = (records: readonly PersonRecord[]): Promise<void> => {
    const added = this.#adding.then(async () => {
      if (this.#current().rows >= this.#chunkRows) await this.#turn();
      await this.#current().write(records);
    });
    this.#adding = added.catch(() => undefined);
    return added;
  };

  finish = async (seen?: (key: RecordKey) => boolean): Promise<LinkIndexRebuilt> => {
    try {
      await this.#adding;
      await this.#turn();
      await this.#settle();
      const removed = seen === undefined ? 0 : await removeUnseen(this.#stages[0], this.#scope, seen);
      await analyzeAndClose(this.#stages);
      return { ...this.#merged, removed };
    } finally {
      this.close();
    }
  };

  close = (): void => {
    for (const stage of this.#stages) stage.release();
  };

  #current(): ScanStage {
    return this.#stages[this.#currentAt];
  }

  /** Starts merging the current stage once the other's merge is done, and streams into the other from then on. */
  async #turn(): Promise<void> {
    await this.#settle();
    const { kind, started } = this.#scope;
    const merging = this.#current().merge(kind, started);
    // Awaited at the next turn or at finish; until then a failure must not go unhandled.
    merging.catch(() => undefined);
    this.#merging = merging;
    this.#currentAt = this.#currentAt === 0 ? 1 : 0;
  }

  /** Waits for the merge under way, if any, and counts what it changed. */
  async #settle(): Promise<void> {
    const merging = this.#merging;
    this.#merging = undefined;
    if (merging === undefined) return;
    this.#merged = { written: this.#merged.written + (await merging).written };
  }
}

/**
 * Fresh statistics, now that the rows changed wholesale: without them the planner answers "who has
 * this email" by reading every row of the platforms asked (2.3 ms a look-up at 2,400 rows in the
 * bench, against 0.06 ms through the email index), until autovacuum analyzes.
 */
async function analyzeAndClose(stages: readonly ScanStage[]): Promise<void> {
  await stages[0]?.query('analyze link_index');
  for (const stage of stages) await stage.close();
}
