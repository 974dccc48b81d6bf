import type { Pool, PoolClient } from 'pg';
import type { AdminUserAttributes } from '@supabase/supabase-js';
import { readIdMap, requireRawId } from '../../ids/index.ts';
import { invalidSnapshot, normalizeStoredEmail } from '../adapter-support.ts';
import type { WriteOutcome } from '../platform-adapter.ts';
import { hasText, planEmail, planFullName } from '../profile-rules.ts';
import { EmailTakenError } from '../profile-target.ts';
import type { ProfileChange, ProfileSource, ProfileTarget, TargetProfile } from '../profile-target.ts';
import type { SupabaseAdmin } from './supabase-admin.ts';
import { isUserNotFound, toSupabaseError } from './supabase-errors.ts';
import { withUserLock } from './supabase-lock.ts';
import type { Guard } from './supabase-lock.ts';
import { parseJsonb, TRIMMED_CHARACTERS } from '../sql-user-table.ts';
import { LIVE_USER } from './supabase-record.ts';

/** The name's place in `user_metadata`, as a ProfileChange names the field it sets. */
const NAME_FIELD = 'user_metadata.name';

/** Profile fields as stored (jsonb as its text), and the map to see which CRM user the user claims. */
const PROFILE_COLUMNS = `id::text as id, email, (raw_user_meta_data -> 'name')::text as name,
  (raw_app_meta_data -> 'external_ids')::text as external_ids`;
const SELECT_PROFILE = `select ${PROFILE_COLUMNS} from auth.users where id = $1::uuid and ${LIVE_USER}`;
/**
 * The guard: the profile fields as read, and the links too, so that a user relinked to another
 * CRM user since the read does not get this one's address.
 */
function profileUnchanged(id: string, snapshot: SupabaseProfileSnapshot): Guard {
  return (literal) => `select 1 from auth.users
 where id = ${literal(id)}::uuid and ${LIVE_USER} and email is not distinct from ${literal(snapshot.email)}
   and (raw_user_meta_data -> 'name') is not distinct from ${literal(snapshot.name)}::jsonb
   and (raw_app_meta_data -> 'external_ids') is not distinct from ${literal(snapshot.externalIds)}::jsonb`;
}

const EMAIL_HOLDERS = `select email from auth.users where lower(btrim(email, $2)) = $1 and id <> $3::uuid and ${LIVE_USER}`;

interface ProfileRow {
  id: string;
  email: string | null;
  name: string | null;
  external_ids: string | null;
}

interface SupabaseProfileSnapshot {
  readonly kind: 'supabase-profile';
  readonly email: string | null;
  /** `raw_user_meta_data -> 'name'` in jsonb's text form. */
  readonly name: string | null;
  /** `raw_app_meta_data -> 'external_ids'` in jsonb's text form. */
  readonly externalIds: string | null;
}

function isProfileSnapshot(value: unknown): value is SupabaseProfileSnapshot {
  if (typeof value !== 'object' || value === null) return false;
  const snapshot = value as Partial<Record<keyof SupabaseProfileSnapshot, unknown>>;
  const textOrNull = (field: unknown) => field === null || typeof field === 'string';
  return snapshot.kind === 'supabase-profile' && textOrNull(snapshot.email) && textOrNull(snapshot.name) && textOrNull(snapshot.externalIds);
}

/**
 * Supabase Auth users as a profile target: CRM `email` → `email` (confirmed, so no mail is sent),
 * CRM `name` → `user_metadata.name`, the full name in one field as the CRM keeps it (the key the
 * auth server's own OAuth providers fill). Read in SQL; written through the admin API under the
 * user's lock, like links (supabase-lock.ts).
 */
export function createSupabaseProfileTarget(pool: Pool, admin: SupabaseAdmin): ProfileTarget {
  return {
    platform: 'supabase',
    read: (id) => readProfile(pool, id),
    plan: planProfile,
    write: (current, changes) => writeProfile(pool, admin, current, changes),
  };
}

async function readProfile(pool: Pool, id: string): Promise<TargetProfile | null> {
  const { rows } = await pool.query<ProfileRow>(SELECT_PROFILE, [requireRawId('supabase', id)]);
  const row = rows[0];
  if (row === undefined) return null;
  const crm = readIdMap('supabase', parseJsonb(row.external_ids)).links.crm;
  const snapshot: SupabaseProfileSnapshot = { kind: 'supabase-profile', email: row.email, name: row.name, externalIds: row.external_ids };
  return { platform: 'supabase', id: row.id, crmClaims: crm === undefined ? [] : [crm], snapshot };
}

function planProfile(source: ProfileSource, current: TargetProfile): ProfileChange[] {
  const snapshot = requireSnapshot(current);
  const storedName = parseJsonb(snapshot.name);
  const changes: ProfileChange[] = [];
  const email = planEmail(source.email, snapshot.email);
  if (email !== null) changes.push({ field: 'email', rule: 'crm-email', hadValue: hasText(snapshot.email), set: { email } });
  const name = planFullName(source.name, storedName);
  if (name !== null) changes.push({ field: 'name', rule: 'crm-name-full', hadValue: hasText(storedName), set: { [NAME_FIELD]: name } });
  return changes;
}

/**
 * One admin update for every change, after the guard. A taken address is refused before the call
 * (the auth server would refuse the exact spelling only, and as an HTTP 500), and recognized after
 * a failed call too, for a writer outside idsync that took it in between.
 */
async function writeProfile(pool: Pool, admin: SupabaseAdmin, current: TargetProfile, changes: readonly ProfileChange[]): Promise<WriteOutcome> {
  const snapshot = requireSnapshot(current);
  if (changes.length === 0) return 'written';
  const id = requireRawId('supabase', current.id);
  const set: Record<string, string | undefined> = Object.assign({}, ...changes.map((change) => change.set));
  const email = set.email;
  return withUserLock(pool, id, profileUnchanged(id, snapshot), async (client) => {
    if (email !== undefined) await requireAddressFree(client, id, email);
    const { error } = await admin.updateUserById(id, toAttributes(email, set[NAME_FIELD]));
    if (error === null) return 'written';
    if (isUserNotFound(error)) return 'stale';
    if (email !== undefined && (await emailHolders(client, id, email)).length > 0) throw new EmailTakenError('supabase', id, 'duplicate-key');
    throw toSupabaseError(error, 'update profile');
  });
}

function toAttributes(email: string | undefined, name: string | undefined): AdminUserAttributes {
  return {
    ...(email === undefined ? {} : { email, email_confirm: true }),
    // The admin API merges user_metadata's top-level keys: the user's other keys stay.
    ...(name === undefined ? {} : { user_metadata: { name } }),
  };
}

/**
 * Refuses an address another user has in any spelling. The auth server stores addresses
 * lower-cased, so a holder with exactly that spelling is one its unique index would refuse.
 */
async function requireAddressFree(client: PoolClient, id: string, email: string): Promise<void> {
  const holders = await emailHolders(client, id, email);
  if (holders.length === 0) return;
  const reason = holders.includes(email.toLowerCase()) ? 'duplicate-key' : 'same-address';
  throw new EmailTakenError('supabase', id, reason);
}

/** The stored emails of other users that read as `email` when trimmed and lower-cased. */
async function emailHolders(client: PoolClient, id: string, email: string): Promise<(string | null)[]> {
  const address = normalizeStoredEmail(email);
  const { rows } = await client.query<{ email: string | null }>(EMAIL_HOLDERS, [address, TRIMMED_CHARACTERS, id]);
  return rows.map((row) => row.email).filter((stored) => normalizeStoredEmail(stored) === address);
}

function requireSnapshot(current: TargetProfile): SupabaseProfileSnapshot {
  if (current.platform !== 'supabase' || !isProfileSnapshot(current.snapshot)) throw invalidSnapshot('supabase');
  return current.snapshot;
}
