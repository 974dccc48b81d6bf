import type { Pool } from 'pg';
import { InvalidInputError } from '../../errors.ts';
import { requireRawId } from '../../ids/index.ts';
import { createSyncStatusStore } from '../../ledger/sync-status.ts';
import type { SyncStatus } from '../../ledger/sync-status.ts';
import { httpError, RequestValidationError } from '../http-errors.ts';

/** GET /api/status/:crmUserId: the person's sync status row from the ledger, or 404. */
export async function readStatus(ledgerPool: Pool, crmUserId: string): Promise<SyncStatus> {
  let userId: string;
  try {
    userId = requireRawId('crm', crmUserId);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new RequestValidationError([{ field: 'crmUserId', code: error.code, message: error.message }]);
  }
  const status = await createSyncStatusStore(ledgerPool).get(userId);
  if (!status) throw httpError('IDSYNC_ERR_NOT_FOUND', `no sync status for crm user ${userId}: no audit has checked this person yet`);
  return status;
}
