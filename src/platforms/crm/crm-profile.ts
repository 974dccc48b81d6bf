import { ObjectId } from 'mongodb';
import type { Db } from 'mongodb';
import { requireRawId } from '../../ids/index.ts';
import { EXACT_READ } from '../mongo-link-fields.ts';
import type { CrmProfileReader } from '../profile-target.ts';
import { CRM_USERS_COLLECTION, readCrmLinks } from './crm-record.ts';

/**
 * The profile fields and the link fields, nothing else: an inclusion projection never fetches the
 * password hash, whatever else the document holds.
 */
export const CRM_PROFILE_PROJECTION = Object.freeze({ _id: 1, email: 1, name: 1, externalIds: 1, supabaseId: 1 });

/** Reads one CRM `User` in one round trip: the source of the `propagate profile` job. */
export function createCrmProfileReader(db: Db): CrmProfileReader {
  const users = db.collection(CRM_USERS_COLLECTION);
  return {
    read: async (id) => {
      const canonical = requireRawId('crm', id);
      const document = await users.findOne({ _id: new ObjectId(canonical) }, { projection: CRM_PROFILE_PROJECTION, ...EXACT_READ });
      if (document === null) return null;
      return { id: canonical, email: document.email, name: document.name, ...readCrmLinks(document.externalIds, document.supabaseId) };
    },
  };
}
