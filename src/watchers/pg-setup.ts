import type { Pool } from 'pg';
import type { Logger } from '../logging/logger.ts';
import type { WatchedTable } from '../platforms/watch-spec.ts';
import { ReplicationSetupError } from './watcher-errors.ts';


export interface ReplicationNames {
  /** Both must be valid unquoted identifiers (the config checks the prefix they are made from). */
  readonly slot: string;
  readonly publication: string;
}

/** Where a source's feed starts. */
export interface SlotStart {
  /** The slot's confirmed position. */
  readonly confirmed: string;
  /**
   * The slot had lost WAL it still needed (`wal_status` 'lost': the server passed
   * `max_slot_wal_keep_size` while idsync was behind) and was made anew: changes made in between
   * were never seen.
   */
  readonly recreated: boolean;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const DUPLICATE_OBJECT = '42710';

function quoted(identifier: string): string {
  if (!IDENTIFIER.test(identifier)) throw new ReplicationSetupError(`not a plain identifier: ${JSON.stringify(identifier.slice(0, 70))}`);
  return `"${identifier}"`;
}

/**
 * Creates the publication (on the one table) and the logical replication slot (pgoutput) when
 * they are missing, and answers where the feed starts. Creating either concurrently with another
 * process is harmless: "already exists" counts as done. A slot of that name in another database,
 * or with another plugin, is refused: it belongs to someone else. A slot that lost WAL it needed
 * can never stream again: it is dropped and made anew, and the caller must cover what it missed.
 */
export async function ensureReplication(pool: Pool, table: WatchedTable, names: ReplicationNames, logger: Logger): Promise<SlotStart> {
  await ensurePublication(pool, table, names.publication, logger);
  const existing = await readSlot(pool, names.slot);
  if (existing && !existing.lost) return { confirmed: existing.confirmed, recreated: false };
  if (existing) await dropLostSlot(pool, names.slot, logger);
  return { confirmed: await createSlot(pool, names.slot, logger), recreated: existing !== null };
}

/** Drops the slot if it is still lost: one another process dropped, or already made anew, is left as it is. */
async function dropLostSlot(pool: Pool, slot: string, logger: Logger): Promise<void> {
  logger.error({ slot }, 'replication slot lost WAL it needed; making it anew and backfilling its table');
  await pool.query(`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1 and wal_status = 'lost'`, [slot]);
}

/** Creates the slot, or finds it made by another process meanwhile: its confirmed position. */
async function createSlot(pool: Pool, slot: string, logger: Logger): Promise<string> {
  await unlessExists(async () => {
    await pool.query("select pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
    logger.info({ slot }, 'replication slot created');
  });
  const created = await readSlot(pool, slot);
  if (!created) throw new ReplicationSetupError(`replication slot ${slot} vanished right after it was created`);
  return created.confirmed;
}

async function ensurePublication(pool: Pool, table: WatchedTable, publication: string, logger: Logger): Promise<void> {
  const { rowCount } = await pool.query('select 1 from pg_publication where pubname = $1', [publication]);
  if (rowCount !== 0) return;
  await unlessExists(async () => {
    await pool.query(`create publication ${quoted(publication)} for table ${quoted(table.schema)}.${quoted(table.name)}`);
    logger.info({ publication, table: `${table.schema}.${table.name}` }, 'publication created');
  });
}

/** Runs `create`; "already exists" (another process made it meanwhile) counts as done. */
async function unlessExists(create: () => Promise<void>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if ((error as { code?: unknown }).code !== DUPLICATE_OBJECT) throw error;
  }
}

/** The slot's confirmed flush position and whether it lost WAL it needed; null when there is no such slot. */
async function readSlot(pool: Pool, slot: string): Promise<{ confirmed: string; lost: boolean } | null> {
  const { rows } = await pool.query<{ plugin: string; here: boolean; confirmed: string | null; lost: boolean }>(
    `select plugin, database = current_database() as here, confirmed_flush_lsn::text as confirmed,
            wal_status is not distinct from 'lost' as lost
       from pg_replication_slots where slot_name = $1`,
    [slot],
  );
  const row = rows[0];
  if (!row) return null;
  if (!row.here || row.plugin !== 'pgoutput') {
    throw new ReplicationSetupError(`replication slot ${slot} exists for another database or plugin; set REPLICATION_SLOT_PREFIX to a name of idsync's own`);
  }
  return { confirmed: row.confirmed ?? '0/0', lost: row.lost };
}
