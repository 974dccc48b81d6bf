import { createLedger } from '../../src/ledger/ledger.ts';
import type { Ledger } from '../../src/ledger/ledger.ts';
import { createLinkIndex } from '../../src/link-index/link-index.ts';
import type { LinkIndex } from '../../src/link-index/link-index.ts';
import { migrateLedger } from '../../src/ledger/migrate.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { openPostgres } from '../../src/platforms/postgres-pool.ts';
import type { PostgresConnection } from '../../src/platforms/postgres-pool.ts';
import { createTemporaryDatabase } from './services.ts';
import { cleanUp } from './clean-up.ts';

export interface LedgerFixture {
  readonly ledger: Ledger;
  /** The link index in the same database. */
  readonly links: LinkIndex;
  readonly connection: PostgresConnection;
  readonly url: string;
  dispose(): Promise<void>;
}

/**
 * A migrated ledger in a database of its own, removed by `dispose`; or in the database at `url`
 * (a private server's, which a fault test stops), which `dispose` leaves to its owner.
 */
export async function createLedgerFixture(options: { url?: string } = {}): Promise<LedgerFixture> {
  const database = options.url === undefined ? await createTemporaryDatabase('ledger') : { url: options.url, drop: async () => undefined };
  const connection = await openPostgres('ledger', database.url);
  await migrateLedger(connection.pool, createLogger({ level: 'silent' }));
  return {
    ledger: createLedger(connection.pool),
    links: createLinkIndex(connection.pool),
    connection,
    url: database.url,
    dispose: () =>
      cleanUp(
        () => connection.close(),
        () => database.drop(),
      ),
  };
}
