import { ObjectId } from 'mongodb';
import type { Collection, Db } from 'mongodb';
import type { LinkTargets, LinkWrite } from '../adapter-support.ts';
import { editIdMap } from '../id-map-edit.ts';
import { compareAndSetFields, fieldUpdate, valueOf } from '../mongo-link-fields.ts';
import type { FieldUpdate } from '../mongo-link-fields.ts';
import { mongoAdapter } from '../mongo-reads.ts';
import type { PlatformAdapter, WriteOutcome } from '../platform-adapter.ts';
import { CRM_PROJECTION, CRM_READ_PROJECTION, CRM_USERS_COLLECTION, isCrmSnapshot, toCrmRecord } from './crm-record.ts';
import type { CrmSnapshot } from './crm-record.ts';

const CRM_USERS = {
  platform: 'crm',
  collectionName: CRM_USERS_COLLECTION,
  projection: CRM_PROJECTION,
  readProjection: CRM_READ_PROJECTION,
  toRecord: toCrmRecord,
  hasEmail: true,
} as const;

/**
 * The Trackmaster CRM's `User` collection as a PlatformAdapter. The CRM is the hub: its
 * `externalIds` map holds the other three ids, and `supabaseId` mirrors `externalIds.supabase`.
 */
export function createCrmAdapter(db: Db): PlatformAdapter {
  return mongoAdapter(db, { ...CRM_USERS, isSnapshot: isCrmSnapshot, write: writeCrmLinks });
}

async function writeCrmLinks(users: Collection, { id, targets, snapshot }: LinkWrite<CrmSnapshot>): Promise<WriteOutcome> {
  const prior = { externalIds: snapshot.externalIds, supabaseId: snapshot.supabaseId };
  return compareAndSetFields(users, new ObjectId(id), prior, crmUpdate(snapshot, targets));
}

/**
 * The map changes as for every id map; `supabaseId` follows the Supabase link whenever the change
 * names Supabase (set: the same id; unset: removed), so that the two stay equal.
 */
function crmUpdate(snapshot: CrmSnapshot, targets: LinkTargets): FieldUpdate {
  const supabase = targets.get('supabase');
  const nextSupabaseId = supabase === undefined ? valueOf(snapshot.supabaseId) : (supabase ?? undefined);
  return fieldUpdate(
    { externalIds: snapshot.externalIds, supabaseId: snapshot.supabaseId },
    { externalIds: editIdMap('crm', valueOf(snapshot.externalIds), targets), supabaseId: nextSupabaseId },
  );
}
