import type { QueryResult } from 'pg';
import type { Platform, RecordKey } from '../ids/index.ts';
import type { LinkKind } from './link-index.ts';

/*
 * The rows of records an audit's scan did not see, found against the scan the audit holds in
 * memory: writing each scanned key to a table to join against, as the rebuild once did, was a third
 * of Postgres' work per scanned batch (bench/RESULTS.md).
 */

/** Keys read per page while looking for the rows the scan did not see. */
export const UNSEEN_PAGE_ROWS = 10_000;

/**
 * The next page of ids of a platform's rows older than the scan, after `$4`. One platform at a
 * time: with every column of the key equal but the last, the primary key seeks to the page's start
 * (a row comparison over the whole key walked from the first row to it: 90 ms a page at 300,000 rows).
 */
const OLDER_IDS = `
  select record_id from link_index
  where kind = $1 and platform = $2 and record_id > $4 and refreshed_at < $3
  order by record_id limit $5`;

const REMOVE = `
  with removed as (
    delete from link_index
    where kind = $1 and platform = $2 and refreshed_at < $3 and record_id = any($4::text[])
    returning 1
  )
  select count(*)::int as removed from removed`;

/** Where the statements go: a rebuild's own connection. */
export interface Queryable {
  query<Row extends object>(text: string, values?: unknown[]): Promise<QueryResult<Row>>;
}

/** What a rebuild covers: one kind's rows of the scanned platforms, older than its scan. */
export interface RebuildScope {
  readonly kind: LinkKind;
  readonly platforms: readonly Platform[];
  /** When the scan began, by the database's clock: rows changed since are newer, never overwritten or dropped. */
  readonly started: Date;
}

/** Pages through the ids of rows of `scope` older than the scan and drops those `seen` denies: how many. */
export async function removeUnseen(db: Queryable, scope: RebuildScope, seen: (key: RecordKey) => boolean): Promise<number> {
  let removed = 0;
  for (const platform of scope.platforms) removed += await removeUnseenOf(db, scope, platform, seen);
  return removed;
}

async function removeUnseenOf(db: Queryable, { kind, started }: RebuildScope, platform: Platform, seen: (key: RecordKey) => boolean): Promise<number> {
  let removed = 0;
  let after = '';
  for (let full = true; full; ) {
    const { rows } = await db.query<{ record_id: string }>(OLDER_IDS, [kind, platform, started, after, UNSEEN_PAGE_ROWS]);
    const unseen = rows.map((row) => row.record_id).filter((id) => !seen({ platform, id }));
    if (unseen.length > 0) removed += (await db.query<{ removed: number }>(REMOVE, [kind, platform, started, unseen])).rows[0]?.removed ?? 0;
    full = rows.length === UNSEEN_PAGE_ROWS;
    after = rows.at(-1)?.record_id ?? after;
  }
  return removed;
}
