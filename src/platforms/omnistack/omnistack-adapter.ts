import { ObjectId } from 'mongodb';
import type { Collection, Db } from 'mongodb';
import type { LinkWrite } from '../adapter-support.ts';
import { compareAndSetFields, fieldUpdate, valueOf } from '../mongo-link-fields.ts';
import { mongoAdapter } from '../mongo-reads.ts';
import type { PlatformAdapter, WriteOutcome } from '../platform-adapter.ts';
import type { OmnistackSnapshot } from './omnistack-record.ts';
import { editExternalIds, isOmnistackSnapshot, OMNISTACK_PROJECTION, OMNISTACK_USERS_COLLECTION, toOmnistackRecord } from './omnistack-record.ts';

const OMNISTACK_USERS = {
  platform: 'omnistack',
  collectionName: OMNISTACK_USERS_COLLECTION,
  projection: OMNISTACK_PROJECTION,
  toRecord: toOmnistackRecord,
  hasEmail: true,
} as const;

/**
 * The OmniStack Gateway's `users` collection as a PlatformAdapter. Its links live in the
 * flat `external_ids` string array, shared with other systems' entries that idsync never touches.
 */
export function createOmnistackAdapter(db: Db): PlatformAdapter {
  return mongoAdapter(db, { ...OMNISTACK_USERS, isSnapshot: isOmnistackSnapshot, write: writeOmnistackLinks });
}

async function writeOmnistackLinks(users: Collection, { id, targets, snapshot }: LinkWrite<OmnistackSnapshot>): Promise<WriteOutcome> {
  const prior = { external_ids: snapshot.externalIds };
  const update = fieldUpdate(prior, { external_ids: editExternalIds(valueOf(snapshot.externalIds), targets) });
  // Mongoose would stamp `updatedAt` on its own writes; idsync writes around it, so it stamps it.
  return compareAndSetFields(users, new ObjectId(id), prior, update, { updatedAt: new Date() });
}
