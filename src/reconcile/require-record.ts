import { codes, IdsyncError } from '../errors.ts';
import { formatRecordKey } from '../ids/index.ts';
import type { RecordKey } from '../ids/index.ts';
import type { Adapters } from '../platforms/platform-adapter.ts';

/**
 * Refuses an operator's reconcile of a record that does not exist (codes.NOT_FOUND): it would
 * only record findings about nobody. The watchers' reconciles of deleted records are not asked: the
 * records that claimed one still need their references judged. Where the record's system is not
 * open here, the job decides.
 */
export async function requireExistingRecord(adapters: Adapters, key: RecordKey): Promise<void> {
  const adapter = adapters[key.platform];
  if (adapter === undefined || (await adapter.get(key.id)) !== null) return;
  throw new IdsyncError(codes.NOT_FOUND, `${formatRecordKey(key)} exists in no store: nothing to reconcile (check the id; a record deleted since is reconciled through the records that claimed it)`);
}
