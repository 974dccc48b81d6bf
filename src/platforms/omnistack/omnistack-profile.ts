import { ObjectId } from 'mongodb';
import type { Collection, Db, Document } from 'mongodb';
import { readOmniExternalIds, requireRawId } from '../../ids/index.ts';
import { invalidSnapshot, normalizeStoredEmail } from '../adapter-support.ts';
import { isDuplicateKeyError } from '../mongo-errors.ts';
import { emailPattern } from '../mongo-patterns.ts';
import { compareAndSetFields, EXACT_READ, fieldState, isFieldState, valueOf } from '../mongo-link-fields.ts';
import type { FieldState } from '../mongo-link-fields.ts';
import type { WriteOutcome } from '../platform-adapter.ts';
import { hasText, planEmail, planName } from '../profile-rules.ts';
import { EmailTakenError } from '../profile-target.ts';
import type { ProfileChange, ProfileSource, ProfileTarget, TargetProfile } from '../profile-target.ts';
import { OMNISTACK_USERS_COLLECTION } from './omnistack-record.ts';

/** The profile fields, and `external_ids` to see which CRM user the record claims. `metadata` is never read. */
export const OMNISTACK_PROFILE_PROJECTION = Object.freeze({ _id: 1, email: 1, name: 1, surname: 1, external_ids: 1 });

interface OmnistackProfileSnapshot {
  readonly kind: 'omnistack-profile';
  readonly email: FieldState;
  readonly name: FieldState;
  readonly surname: FieldState;
}

function isProfileSnapshot(value: unknown): value is OmnistackProfileSnapshot {
  if (typeof value !== 'object' || value === null) return false;
  const snapshot = value as Partial<Record<keyof OmnistackProfileSnapshot, unknown>>;
  return snapshot.kind === 'omnistack-profile' && isFieldState(snapshot.email) && isFieldState(snapshot.name) && isFieldState(snapshot.surname);
}

/**
 * OmniStack's `users` as a profile target: CRM `email` → `email`, CRM `name` → `name` + `surname`
 * (src/platforms/profile-rules.ts). A write stamps `updatedAt`, as Mongoose's timestamps would.
 */
export function createOmnistackProfileTarget(db: Db): ProfileTarget {
  const users = db.collection(OMNISTACK_USERS_COLLECTION);
  return {
    platform: 'omnistack',
    read: (id) => readProfile(users, id),
    plan: planProfile,
    write: (current, changes) => writeProfile(users, current, changes),
  };
}

/**
 * The unique index on `email` compares exactly, but idsync matches emails trimmed and in any case:
 * an address another user has in another spelling is refused before the write, or email matching
 * would find two users for it from then on. The exact spelling is left to the index, which also
 * refuses it when another writer wins a race. Only an email change pays this one read.
 */
async function requireAddressFree(users: Collection, current: TargetProfile, email: string): Promise<void> {
  const address = normalizeStoredEmail(email);
  if (address === null) return;
  const holders = await users.find({ email: emailPattern(address) }, { projection: { _id: 1, email: 1 }, ...EXACT_READ }).toArray();
  const isOther = (holder: Document) => !(holder._id instanceof ObjectId && holder._id.toHexString() === current.id);
  const otherSpelling = (holder: Document) => holder.email !== email && normalizeStoredEmail(holder.email) === address;
  if (holders.some((holder) => isOther(holder) && otherSpelling(holder))) throw new EmailTakenError('omnistack', current.id, 'same-address');
}

async function readProfile(users: Collection, id: string): Promise<TargetProfile | null> {
  const canonical = requireRawId('omnistack', id);
  const document = await users.findOne({ _id: new ObjectId(canonical) }, { projection: OMNISTACK_PROFILE_PROJECTION, ...EXACT_READ });
  if (document === null) return null;
  const read = readOmniExternalIds(document.external_ids);
  const crmClaims = [...(read.links.crm === undefined ? [] : [read.links.crm]), ...(read.extra.crm ?? [])];
  const snapshot: OmnistackProfileSnapshot = {
    kind: 'omnistack-profile',
    email: fieldState(document, 'email'),
    name: fieldState(document, 'name'),
    surname: fieldState(document, 'surname'),
  };
  return { platform: 'omnistack', id: canonical, crmClaims, snapshot };
}

function planProfile(source: ProfileSource, current: TargetProfile): ProfileChange[] {
  const snapshot = requireSnapshot(current);
  const stored = { email: valueOf(snapshot.email), name: valueOf(snapshot.name), surname: valueOf(snapshot.surname) };
  const changes: ProfileChange[] = [];
  const email = planEmail(source.email, stored.email);
  if (email !== null) changes.push({ field: 'email', rule: 'crm-email', hadValue: hasText(stored.email), set: { email } });
  const name = planName(source.name, stored);
  if (name !== null) changes.push({ field: 'name', rule: name.rule, hadValue: hasText(stored.name, stored.surname), set: name.set });
  return changes;
}

/**
 * One updateOne for every change, guarded by the three profile fields as read: a record changed
 * since answers 'stale', and a duplicate email fails the whole write, so nothing half-lands.
 */
async function writeProfile(users: Collection, current: TargetProfile, changes: readonly ProfileChange[]): Promise<WriteOutcome> {
  const snapshot = requireSnapshot(current);
  const set: Record<string, string> = Object.assign({}, ...changes.map((change) => change.set));
  const prior = { email: snapshot.email, name: snapshot.name, surname: snapshot.surname };
  if (set.email !== undefined) await requireAddressFree(users, current, set.email);
  try {
    return await compareAndSetFields(users, new ObjectId(requireRawId('omnistack', current.id)), prior, { set, unset: [] }, { updatedAt: new Date() });
  } catch (error) {
    if (isDuplicateKeyError(error) && Object.hasOwn(set, 'email')) throw new EmailTakenError('omnistack', current.id, 'duplicate-key');
    throw error;
  }
}

function requireSnapshot(current: TargetProfile): OmnistackProfileSnapshot {
  if (current.platform !== 'omnistack' || !isProfileSnapshot(current.snapshot)) throw invalidSnapshot('omnistack');
  return current.snapshot;
}
