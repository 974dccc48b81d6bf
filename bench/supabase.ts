import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { readLocalAuthKey } from '../src/config/local-defaults.ts';
import { uniqueName } from '../test/support/names.ts';
import { dropReplication, testConfig } from '../test/support/services.ts';

/*
 * Supabase Auth in the bench, wherever the local auth server runs. Its database is shared with
 * every test running now, so a namespace is an email domain of its own (and a replication slot
 * prefix, the stores'): users are seeded in bulk by SQL, a chunk per statement, as the server
 * stores an email user (the admin API makes them one request at a time, far too slow for 100,000),
 * and every user of the domain is deleted at the end.
 */

const HEALTH_TIMEOUT_MS = 2_000;
/** The instance every user of a single-tenant auth server belongs to. */
const INSTANCE = '00000000-0000-0000-0000-000000000000';

/** Why the bench cannot sync Supabase here, or null when it can (test/support/supabase.ts's check, which needs vitest). */
export async function authServerMissing(): Promise<string | null> {
  if (readLocalAuthKey() === null) return 'no local Supabase Auth key in .services/supabase-auth (scripts/services found no auth server binary)';
  const { authUrl } = testConfig().supabase;
  try {
    const response = await fetch(`${authUrl}/health`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    return response.ok ? null : `the Supabase Auth server at ${authUrl} answered /health with HTTP ${response.status}`;
  } catch {
    return `no Supabase Auth server answers at ${authUrl}`;
  }
}

export interface SupabaseUserSeed {
  readonly id: string;
  readonly email: string;
  /** `app_metadata.external_ids`. Default: none. */
  readonly externalIds?: Record<string, string>;
}

export interface SupabaseNamespace {
  /** Every address of the namespace ends in `@<domain>`. */
  readonly domain: string;
  /** The shared Supabase database. */
  readonly pool: pg.Pool;
  /** What an idsync child needs to sync Supabase (the URLs, the service-role key, the watch). */
  readonly env: Record<string, string>;
  newId(): string;
  email(local: string): string;
  /** Inserts the users (and their email identities) in one statement. */
  insertUsers(users: readonly SupabaseUserSeed[]): Promise<void>;
  /** `app_metadata.external_ids` of every user of the namespace, by id. */
  linkMaps(): Promise<Map<string, Record<string, unknown>>>;
  /**
   * Drops the replication slots and publications named `slotPrefix` (none when null), then deletes
   * every user of the namespace. Safe to call twice.
   */
  dispose(slotPrefix: string | null): Promise<void>;
}

/*
 * NULL in a token column makes the server fail to load the user ('Database error loading user'):
 * it keeps them as empty strings, and so does this, with the identity an email user has.
 */
const INSERT_USERS = `
  with users as (
    insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
      confirmation_token, recovery_token, email_change_token_new, email_change,
      raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
    select '${INSTANCE}', seed.id, 'authenticated', 'authenticated', seed.email, '', now(), '', '', '', '',
      jsonb_build_object('provider', 'email', 'providers', jsonb_build_array('email'))
        || case when seed.external_ids is null then '{}'::jsonb else jsonb_build_object('external_ids', seed.external_ids) end,
      '{"email_verified": true}', now(), now()
    from jsonb_to_recordset($1::jsonb) as seed(id uuid, email text, external_ids jsonb)
    returning id, email
  )
  insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)
  select id::text, id, jsonb_build_object('sub', id::text, 'email', email, 'email_verified', false, 'phone_verified', false), 'email', now(), now()
  from users`;

export async function openSupabaseNamespace(): Promise<SupabaseNamespace> {
  const { authUrl, dbUrl } = testConfig().supabase;
  const key = readLocalAuthKey();
  if (key === null) throw new Error('the local Supabase Auth server is not set up');
  const domain = `${uniqueName('bench').replaceAll('_', '-')}.test`;
  const pool = new pg.Pool({ connectionString: dbUrl, max: 2 });
  pool.on('error', () => undefined);
  const inDomain = `%@${domain}`;
  let disposed: Promise<void> | undefined;
  return {
    domain,
    pool,
    env: { SUPABASE_AUTH_URL: authUrl, SUPABASE_DB_URL: dbUrl, SUPABASE_SERVICE_ROLE_KEY: key, SUPABASE_WATCH: 'replication' },
    newId: () => randomUUID(),
    email: (local) => `${local}@${domain}`,
    insertUsers: async (users) => {
      if (users.length > 0) await pool.query(INSERT_USERS, [JSON.stringify(users.map(({ id, email, externalIds }) => ({ id, email, external_ids: externalIds ?? null })))]);
    },
    linkMaps: async () => {
      const { rows } = await pool.query<{ id: string; external_ids: Record<string, unknown> | null }>(
        "select id::text as id, raw_app_meta_data -> 'external_ids' as external_ids from auth.users where email like $1",
        [inDomain],
      );
      return new Map(rows.map((row) => [row.id, row.external_ids ?? {}]));
    },
    dispose: (slotPrefix) => (disposed ??= removeNamespace(pool, dbUrl, slotPrefix, inDomain)),
  };
}

/** Users deleted at once past which the namespace's removal vacuums the tables it deleted them from. */
const VACUUM_AFTER_USERS = 10_000;

async function removeNamespace(pool: pg.Pool, dbUrl: string, slotPrefix: string | null, inDomain: string): Promise<void> {
  try {
    // Never an empty prefix: it would name every slot and publication of the shared database.
    if (slotPrefix) await dropReplication(dbUrl, slotPrefix);
    const { rowCount } = await pool.query('delete from auth.users where email like $1', [inDomain]);
    // As many dead rows stay in the shared tables, and the next scenario's scans of auth.users (the
    // link index's build, an audit) would read them all until autovacuum came: removed now.
    if ((rowCount ?? 0) >= VACUUM_AFTER_USERS) await pool.query('vacuum auth.users, auth.identities');
  } finally {
    await pool.end();
  }
}
