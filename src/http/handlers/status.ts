import type { Pool } from 'pg';
import { crmIdThroughAdapters, statusOf } from '../../audit/status-lookup.ts';
import { codes, InvalidInputError } from '../../errors.ts';
import { requireRawId } from '../../ids/index.ts';
import type { Platform } from '../../ids/index.ts';
import { createSyncStatusStore } from '../../ledger/sync-status.ts';
import type { SyncStatus } from '../../ledger/sync-status.ts';
import { createLinkIndex } from '../../link-index/link-index.ts';
import { httpError, RequestValidationError } from '../http-errors.ts';
import type { OperatorContext } from '../route-types.ts';

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
  if (!status) throw httpError(codes.NOT_FOUND, `no sync status for crm user ${userId}: no audit has checked this person yet`);
  return status;
}

/**
 * GET /api/status/:platform/:id: the status of the person any record belongs to, found through the
 * ledger or else the live systems; 404 (naming the reconcile that would check them) when no audit has.
 */
export async function readRecordStatus(operator: OperatorContext, platform: Platform, id: string): Promise<SyncStatus> {
  let rawId: string;
  try {
    rawId = requireRawId(platform, id);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new RequestValidationError([{ field: 'id', code: error.code, message: error.message }]);
  }
  const crmIdFromPlatforms = operator.adapters === undefined ? undefined : crmIdThroughAdapters(operator.adapters, createLinkIndex(operator.ledgerPool));
  return statusOf({ platform, id: rawId }, { ledgerPool: operator.ledgerPool, crmIdFromPlatforms });
}
