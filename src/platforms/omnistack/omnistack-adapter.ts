import { ObjectId } from 'mongodb';
import type { Collection, Db } from 'mongodb';
import { invalidSnapshot, requireLinkChange, requireOwnRecord } from '../adapter-support.ts';
import { compareAndSetFields, fieldUpdate, valueOf } from '../mongo-link-fields.ts';
import { mongoReads } from '../mongo-reads.ts';
import type { LinkChange, PersonRecord } from '../person-record.ts';
import type { PlatformAdapter, WriteOutcome } from '../platform-adapter.ts';
import { editExternalIds, isOmnistackSnapshot, OMNISTACK_PROJECTION, OMNISTACK_USERS_COLLECTION, toOmnistackRecord } from './omnistack-record.ts';

/**
 * The OmniStack Gateway's `users` collection as a PlatformAdapter. Its links live in the
 * flat `external_ids` string array, shared with other systems' entries that idsync never touches.
 */
export function createOmnistackAdapter(db: Db): PlatformAdapter {
  const users = db.collection(OMNISTACK_USERS_COLLECTION);
  return {
    platform: 'omnistack',
    ...mongoReads({ platform: 'omnistack', collection: users, projection: OMNISTACK_PROJECTION, toRecord: toOmnistackRecord, hasEmail: true }),
    writeLinks: (record, change) => writeOmnistackLinks(users, record, change),
  };
}

async function writeOmnistackLinks(users: Collection, record: PersonRecord, change: LinkChange): Promise<WriteOutcome> {
  const id = requireOwnRecord('omnistack', record);
  const targets = requireLinkChange('omnistack', change);
  const snapshot = record.snapshot;
  if (!isOmnistackSnapshot(snapshot)) throw invalidSnapshot('omnistack');
  const prior = { external_ids: snapshot.externalIds };
  const update = fieldUpdate(prior, { external_ids: editExternalIds(valueOf(snapshot.externalIds), targets) });
  // Mongoose would stamp `updatedAt` on its own writes; idsync writes around it, so it stamps it.
  return compareAndSetFields(users, new ObjectId(id), prior, update, { updatedAt: new Date() });
}
