import type { OversizedGroup } from '../../../src/audit/group-people.ts';
import { groupPeople } from '../../../src/audit/group-people.ts';
import type { PersonGroup } from '../../../src/audit/audit-model.ts';
import { ScanStoreBuilder } from '../../../src/audit/scan-store-builder.ts';
import type { Platform } from '../../../src/ids/index.ts';
import type { PersonRecord } from '../../../src/platforms/person-record.ts';

/** The audit's grouping of `records`, handed to the store in one batch as a scan would hand them in many (snapshots kept). */
export function groupRecords(records: readonly PersonRecord[], scanned: readonly Platform[]): Generator<PersonGroup | OversizedGroup> {
  const builder = new ScanStoreBuilder(scanned);
  builder.add(records);
  return groupPeople(builder.finish());
}
