import type { PersonRecord } from '../../src/platforms/person-record.ts';
import type { LedgerFixture } from './ledger-fixture.ts';

/** A CRM user claiming one OmniStack record, as a rebuild of the link index gets it from a scan. */
export function crmRecord(id: string, omnistack: string, email: string | null = null): PersonRecord {
  return { platform: 'crm', id, email, createdAt: new Date(0), links: { omnistack }, extraLinks: {}, unreadable: [], snapshot: null };
}

/** Sessions on the fixture's database besides the asking one: the pool's and any rebuild's. */
export async function sessions(fixture: LedgerFixture): Promise<number> {
  const { rows } = await fixture.connection.pool.query<{ count: number }>('select count(*)::int as count from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
  return rows[0]?.count ?? -1;
}
