import { ObjectId } from 'mongodb';
import type { Db } from 'mongodb';
import { writeOmniExternalIds } from '../../ids/index.ts';
import { openByEmail } from '../staff-account.ts';
import type { AccountOpener } from '../staff-account.ts';
import { createOmnistackAdapter } from './omnistack-adapter.ts';
import { OMNISTACK_USERS_COLLECTION } from './omnistack-record.ts';

/** Mongoose's version key on a document it creates. */
const MONGOOSE_VERSION_KEY = '__v';

/**
 * Opens OmniStack `users` accounts as the gateway's Mongoose model would store them (SPEC §2):
 * name, surname, email, the person's other ids in `external_ids` (prefixed), empty `metadata`,
 * and the timestamps.
 */
export function createOmnistackAccountOpener(db: Db): AccountOpener {
  const users = db.collection(OMNISTACK_USERS_COLLECTION);
  const adapter = createOmnistackAdapter(db);
  return {
    platform: 'omnistack',
    open: (member, links) =>
      openByEmail(adapter, member.email, async () => {
        const now = new Date();
        const _id = new ObjectId();
        await users.insertOne({
          _id,
          name: member.name,
          surname: member.surname,
          email: member.email,
          external_ids: writeOmniExternalIds(links),
          metadata: {},
          createdAt: now,
          updatedAt: now,
          [MONGOOSE_VERSION_KEY]: 0,
        });
        return _id.toHexString();
      }),
  };
}
