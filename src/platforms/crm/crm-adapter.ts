import { ObjectId } from 'mongodb';
import type { Collection, Db, Document, Filter } from 'mongodb';
import { parsePlatform, requireRawId, TOLERATED_PREFIXES } from '../../ids/index.ts';
import type { Platform } from '../../ids/index.ts';
import { claims, invalidSnapshot, requireBatchSize, requireEmailQuery, requireLinkChange, requireOwnRecord } from '../adapter-support.ts';
import type { LinkTargets } from '../adapter-support.ts';
import { editIdMap } from '../id-map-edit.ts';
import { compareAndSetFields, cursorBatches, EXACT_READ, fieldUpdate, valueOf } from '../mongo-link-fields.ts';
import type { FieldUpdate } from '../mongo-link-fields.ts';
import { emailPattern, storedIdPattern } from '../mongo-patterns.ts';
import type { PersonRecord, LinkChange } from '../person-record.ts';
import type { PlatformAdapter, ScanOptions, WriteOutcome } from '../platform-adapter.ts';
import { CRM_PROJECTION, CRM_USERS_COLLECTION, isCrmSnapshot, toCrmRecord } from './crm-record.ts';
import type { CrmSnapshot } from './crm-record.ts';

/**
 * The Trackmaster CRM's `User` collection (SPEC §2) as a PlatformAdapter. The CRM is the hub: its
 * `externalIds` map holds the other three ids, and `supabaseId` mirrors `externalIds.supabase`.
 */
export function createCrmAdapter(db: Db): PlatformAdapter {
  const users = db.collection(CRM_USERS_COLLECTION);
  return {
    platform: 'crm',
    get: async (id) => {
      const document = await users.findOne({ _id: new ObjectId(requireRawId('crm', id)) }, { projection: CRM_PROJECTION, ...EXACT_READ });
      return document === null ? null : toCrmRecord(document);
    },
    findByEmail: async (email) => {
      const normalized = requireEmailQuery(email);
      const records = await findRecords(users, { email: emailPattern(normalized) });
      return records.filter((record) => record.email === normalized);
    },
    findClaiming: async (platform, id) => {
      const claimed = parsePlatform(platform);
      const canonical = requireRawId(claimed, id);
      const filter = claimFilter(claimed, canonical);
      if (filter === null) return [];
      return (await findRecords(users, filter)).filter((record) => claims(record, claimed, canonical));
    },
    writeLinks: (record, change) => writeCrmLinks(users, record, change),
    scan: (options) => scanUsers(users, options),
  };
}

async function findRecords(users: Collection, filter: Filter<Document>): Promise<PersonRecord[]> {
  const documents = await users.find(filter, { projection: CRM_PROJECTION, ...EXACT_READ }).toArray();
  return documents.flatMap((document) => toCrmRecord(document) ?? []);
}

/**
 * Every stored form of a claim on (`platform`, `id`): `externalIds.<platform>` raw, upper-case or
 * behind a tolerated prefix, and for Supabase the `supabaseId` field too. A CRM user never claims
 * a CRM record (that would be a self-reference, which is malformed), so that query is skipped.
 */
function claimFilter(platform: Platform, id: string): Filter<Document> | null {
  if (platform === 'crm') return null;
  const pattern = { $regex: storedIdPattern(platform, id, { prefixes: TOLERATED_PREFIXES[platform] }) };
  const inMap = { [`externalIds.${platform}`]: pattern };
  return platform === 'supabase' ? { $or: [inMap, { supabaseId: pattern }] } : inMap;
}

async function writeCrmLinks(users: Collection, record: PersonRecord, change: LinkChange): Promise<WriteOutcome> {
  const id = requireOwnRecord('crm', record);
  const targets = requireLinkChange('crm', change);
  const snapshot = record.snapshot;
  if (!isCrmSnapshot(snapshot)) throw invalidSnapshot('crm');
  const prior = { externalIds: snapshot.externalIds, supabaseId: snapshot.supabaseId };
  return compareAndSetFields(users, new ObjectId(id), prior, crmUpdate(snapshot, targets));
}

/**
 * The map changes as for every id map; `supabaseId` follows the Supabase link whenever the change
 * names Supabase (set: the same id; unset: removed), so that the two stay equal (SPEC §3).
 */
function crmUpdate(snapshot: CrmSnapshot, targets: LinkTargets): FieldUpdate {
  const supabase = targets.get('supabase');
  const nextSupabaseId = supabase === undefined ? valueOf(snapshot.supabaseId) : (supabase ?? undefined);
  return fieldUpdate(
    { externalIds: snapshot.externalIds, supabaseId: snapshot.supabaseId },
    { externalIds: editIdMap('crm', valueOf(snapshot.externalIds), targets), supabaseId: nextSupabaseId },
  );
}

async function* scanUsers(users: Collection, options: ScanOptions = {}): AsyncGenerator<PersonRecord[]> {
  const batchSize = requireBatchSize(options.batchSize);
  // Sorting on `_id` walks the primary index, so a document is met once even while others change.
  const cursor = users.find({}, { projection: CRM_PROJECTION, batchSize, sort: { _id: 1 }, ...EXACT_READ });
  for await (const documents of cursorBatches(cursor)) {
    const records = documents.flatMap((document) => toCrmRecord(document) ?? []);
    if (records.length > 0) yield records;
  }
}
