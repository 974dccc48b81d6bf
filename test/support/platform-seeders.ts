import { randomBytes, randomUUID } from 'node:crypto';
import { ObjectId } from 'mongodb';
import type { Db, Document } from 'mongodb';
import type { Pool } from 'pg';

/*
 * Data builders that write records straight into each system's store, the way that system's own
 * app would (Prisma for the CRM, Mongoose for OmniStack, the ERP for Bookmaster), bypassing the
 * adapters. Any field may be given a malformed value: a seeder stores exactly what it is given,
 * and leaves out a field whose value is undefined (the driver would otherwise store null).
 */

const SUFFIX_BYTES = 4;
const BOOKMASTER_SUFFIX_BYTES = 6;

/** A bcrypt-shaped hash. Tests assert that it never appears in a record, a snapshot or a copy. */
export const PASSWORD_HASH = '$2b$10$abcdefghijklmnopqrstuuZQm1O2Vh1rU2b9tOQ8y5e5gkJQWc3Cy';

export function newObjectId(): string {
  return new ObjectId().toHexString();
}

export function newUuid(): string {
  return randomUUID();
}

export function newBookmasterId(): string {
  return `bm_${randomBytes(BOOKMASTER_SUFFIX_BYTES).toString('hex')}`;
}

/** An address no other record in the test uses. */
export function uniqueEmail(prefix = 'person'): string {
  return `${prefix}-${randomBytes(SUFFIX_BYTES).toString('hex')}@example.com`;
}

export interface CrmUserSeed {
  /** Default: a new ObjectId. */
  id?: string;
  /** Default: a unique address. */
  email?: unknown;
  name?: unknown;
  /** Default: PASSWORD_HASH. */
  password?: unknown;
  /** Default: absent. Prisma requires it; idsync tolerates its absence. */
  supabaseId?: unknown;
  /** Default: 'SALES' (Prisma's default). */
  role?: unknown;
  clientId?: unknown;
  /** Default: absent. */
  externalIds?: unknown;
}

/** Inserts a CRM `User`; returns its id. */
export async function insertCrmUser(db: Db, seed: CrmUserSeed = {}): Promise<string> {
  const id = seed.id ?? newObjectId();
  await db.collection('User').insertOne(
    definedOnly({
      _id: new ObjectId(id),
      email: seed.email ?? uniqueEmail('crm'),
      name: seed.name,
      password: seed.password ?? PASSWORD_HASH,
      supabaseId: seed.supabaseId,
      role: seed.role ?? 'SALES',
      clientId: seed.clientId,
      externalIds: seed.externalIds,
    }),
  );
  return id;
}

export interface OmnistackUserSeed {
  /** Default: a new ObjectId. */
  id?: string;
  /** Default: a unique address. */
  email?: unknown;
  /** Defaults: 'Ada', 'Lovelace'. */
  name?: unknown;
  surname?: unknown;
  /** Default: absent (Mongoose would store []). */
  externalIds?: unknown;
  /** Default: `{ team: 'ops' }`, so that tests can see it survive. */
  metadata?: unknown;
  /** Default: 2024-01-01 for both. */
  createdAt?: Date;
  updatedAt?: Date;
}

export const SEEDED_AT = new Date(Date.UTC(2024, 0, 1));

/** Inserts an OmniStack `users` document; returns its id. */
export async function insertOmnistackUser(db: Db, seed: OmnistackUserSeed = {}): Promise<string> {
  const id = seed.id ?? newObjectId();
  await db.collection('users').insertOne(
    definedOnly({
      _id: new ObjectId(id),
      name: seed.name ?? 'Ada',
      surname: seed.surname ?? 'Lovelace',
      email: seed.email ?? uniqueEmail('omni'),
      external_ids: seed.externalIds,
      metadata: seed.metadata ?? { team: 'ops' },
      createdAt: seed.createdAt ?? SEEDED_AT,
      updatedAt: seed.updatedAt ?? SEEDED_AT,
    }),
  );
  return id;
}

export interface BookmasterUserSeed {
  /** Default: a new `bm_…` id. */
  id?: string;
  /** Default: a unique address. */
  email?: string;
  fullName?: string | null;
  /** Any JSON value, stored as jsonb. Default: `{}` (the schema's default). */
  externalIds?: unknown;
  /** Default: now(). */
  createdAt?: Date;
}

/** Inserts a Bookmaster `users` row; returns its id. */
export async function insertBookmasterUser(pool: Pool, seed: BookmasterUserSeed = {}): Promise<string> {
  const id = seed.id ?? newBookmasterId();
  await pool.query(
    `insert into users (id, email, full_name, external_ids, created_at)
     values ($1, $2, $3, $4::jsonb, coalesce($5, now()))`,
    [id, seed.email ?? uniqueEmail('bm'), seed.fullName ?? null, JSON.stringify(seed.externalIds ?? {}), seed.createdAt ?? null],
  );
  return id;
}

/** Reads a document as stored (every field, the password included): for assertions only. */
export async function rawDocument(db: Db, collection: 'User' | 'users', id: string): Promise<Document | null> {
  return db.collection(collection).findOne({ _id: new ObjectId(id) });
}

/** Reads a Bookmaster row as stored: for assertions only. */
export async function rawBookmasterRow(pool: Pool, id: string): Promise<Record<string, unknown> | undefined> {
  const { rows } = await pool.query<Record<string, unknown>>('select * from users where id = $1', [id]);
  return rows[0];
}

function definedOnly(document: Document): Document {
  return Object.fromEntries(Object.entries(document).filter(([, value]) => value !== undefined));
}
