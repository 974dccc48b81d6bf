import type { Db, Document } from 'mongodb';
import { writeOmniExternalIds } from '../../ids/index.ts';
import type { Links } from '../../ids/index.ts';
import { mongoAccountOpener } from '../mongo-account.ts';
import type { AccountOpener, NewStaffMember } from '../staff-account.ts';
import { createOmnistackAdapter } from './omnistack-adapter.ts';
import { OMNISTACK_USERS_COLLECTION } from './omnistack-record.ts';

/** Mongoose's version key on a document it creates. */
const MONGOOSE_VERSION_KEY = '__v';

/**
 * Opens OmniStack `users` accounts as the gateway's Mongoose model would store them:
 * name, surname, email, the person's other ids in `external_ids` (prefixed), empty `metadata`,
 * and the timestamps.
 */
export function createOmnistackAccountOpener(db: Db): AccountOpener {
  return mongoAccountOpener('omnistack', db.collection(OMNISTACK_USERS_COLLECTION), createOmnistackAdapter(db), omnistackUserFields);
}

function omnistackUserFields(member: NewStaffMember, links: Readonly<Links>): Document {
  const now = new Date();
  return {
    name: member.name,
    surname: member.surname,
    email: member.email,
    external_ids: writeOmniExternalIds(links),
    metadata: {},
    createdAt: now,
    updatedAt: now,
    [MONGOOSE_VERSION_KEY]: 0,
  };
}
