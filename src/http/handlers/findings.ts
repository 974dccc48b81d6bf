import type { Pool } from 'pg';
import { listFindings } from '../../ledger/findings.ts';
import type { FindingsPage, FindingsQuery } from '../../ledger/findings.ts';

/** GET /api/findings: a page of the ledger's findings, newest first (times in ISO 8601 on the wire). */
export async function readFindings(ledgerPool: Pool, query: FindingsQuery): Promise<FindingsPage> {
  return listFindings(ledgerPool, query);
}
