import type { Pool } from 'pg';
import type { Logger } from '../logging/logger.ts';
import type { WatchedTable } from '../platforms/watch-spec.ts';
import { ReplicationSetupError } from './watcher-errors.ts';


export interface ReplicationNames {
  /** Both must be valid unquoted identifiers (the config checks the prefix they are made from). */
  readonly slot: string;
  readonly publication: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const DUPLICATE_OBJECT = '42710';

function quoted(identifier: string): string {
  if (!IDENTIFIER.test(identifier)) throw new ReplicationSetupError(`not a plain identifier: ${JSON.stringify(identifier.slice(0, 70))}`);
  return `"${identifier}"`;
}

/**
 * Creates the publication (on the one table) and the logical replication slot (pgoutput) when
 * they are missing, and answers the slot's confirmed position. Creating either concurrently with
 * another process is harmless: "already exists" counts as done. A slot of that name in another
 * database, or with another plugin, is refused: it belongs to someone else.
 */
export async function ensureReplication(pool: Pool, table: WatchedTable, names: ReplicationNames, logger: Logger): Promise<string> {
  await ensurePublication(pool, table, names.publication, logger);
  const existing = await readSlot(pool, names.slot);
  if (existing) return existing;
  try {
    await pool.query("select pg_create_logical_replication_slot($1, 'pgoutput')", [names.slot]);
    logger.info({ slot: names.slot }, 'replication slot created');
  } catch (error) {
    if ((error as { code?: unknown }).code !== DUPLICATE_OBJECT) throw error;
  }
  const created = await readSlot(pool, names.slot);
  if (!created) throw new ReplicationSetupError(`replication slot ${names.slot} vanished right after it was created`);
  return created;
}

async function ensurePublication(pool: Pool, table: WatchedTable, publication: string, logger: Logger): Promise<void> {
  const { rowCount } = await pool.query('select 1 from pg_publication where pubname = $1', [publication]);
  if (rowCount !== 0) return;
  try {
    await pool.query(`create publication ${quoted(publication)} for table ${quoted(table.schema)}.${quoted(table.name)}`);
    logger.info({ publication, table: `${table.schema}.${table.name}` }, 'publication created');
  } catch (error) {
    if ((error as { code?: unknown }).code !== DUPLICATE_OBJECT) throw error;
  }
}

/** The slot's confirmed flush position, or null when there is no such slot. */
async function readSlot(pool: Pool, slot: string): Promise<string | null> {
  const { rows } = await pool.query<{ plugin: string; here: boolean; confirmed: string | null }>(
    `select plugin, database = current_database() as here, confirmed_flush_lsn::text as confirmed
       from pg_replication_slots where slot_name = $1`,
    [slot],
  );
  const row = rows[0];
  if (!row) return null;
  if (!row.here || row.plugin !== 'pgoutput') {
    throw new ReplicationSetupError(`replication slot ${slot} exists for another database or plugin; set REPLICATION_SLOT_PREFIX to a name of idsync's own`);
  }
  return row.confirmed ?? '0/0';
}
