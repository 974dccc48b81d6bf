import type { Pool } from 'pg';
import type { Platform } from '../ids/index.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import { upsertRows } from './link-index.ts';
import type { LinkKind } from './link-index.ts';
import { linkRows } from './link-rows.ts';

/*
 * The audit is the snapshot, the watchers and reconciles the stream: an audit's full scan makes the
 * link index say what the systems held, while reconciles keep refreshing it. A row that a reconcile
 * changed after the scan began is newer than the scan, so the rebuild neither overwrites nor
 * deletes it.
 */

export interface LinkIndexRebuild {
  /**
   * Indexes one scanned batch. Resolves once the batch before it is written: one write is in flight
   * while the scan reads the next batch, and a scan never runs ahead of the index by more.
   */
  add(records: readonly PersonRecord[]): Promise<void>;
  /** Waits for the last write, then drops the rows of records of `platforms` the scan did not see. */
  finish(): Promise<{ readonly removed: number }>;
}

const ADD_BATCH = `
  with seen as (
    insert into link_index_seen (run_id, platform, record_id)
    select $2, row.platform, row.record_id from jsonb_to_recordset($1::jsonb) as row(platform text, record_id text)
  )
  ${upsertRows('$4', 'held.refreshed_at < $3')}`;

const REMOVE_UNSEEN = `
  with removed as (
    delete from link_index held
    where held.kind = $4 and held.platform = any($2::text[]) and held.refreshed_at < $3
      and not exists (select 1 from link_index_seen seen where seen.run_id = $1 and seen.platform = held.platform and seen.record_id = held.record_id)
    returning 1
  ), cleared as (delete from link_index_seen where run_id = $1)
  select count(*)::int as removed from removed`;

/** Starts rebuilding the rows of `kind`'s records of `platforms` from a scan that begins now; `runId` names its bookkeeping. */
export async function startLinkIndexRebuild(pool: Pool, runId: string, platforms: readonly Platform[], kind: LinkKind = 'user'): Promise<LinkIndexRebuild> {
  // The database's clock, the one refreshed_at is written with; a retried run starts its bookkeeping afresh.
  const { rows } = await pool.query<{ started: Date }>(
    'with cleared as (delete from link_index_seen where run_id = $1) select clock_timestamp() as started',
    [runId],
  );
  const started = (rows[0] as { started: Date }).started;
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  const write = async (records: readonly PersonRecord[]) => {
    await pool.query(ADD_BATCH, [JSON.stringify(linkRows(records)), runId, started, kind]);
  };
  const failed = () => {
    if (failure !== undefined) throw failure;
  };
  return {
    add: (records) => {
      const previous = chain;
      chain = previous.then(() => write(records)).catch((error: unknown) => {
        failure ??= error;
      });
      return previous.then(failed);
    },
    finish: async () => {
      await chain;
      failed();
      const result = await pool.query<{ removed: number }>(REMOVE_UNSEEN, [runId, platforms, started, kind]);
      return { removed: result.rows[0]?.removed ?? 0 };
    },
  };
}
