import type { Pool } from 'pg';

/**
 * The Bookmaster ERP's users table as idsync knows it. The real ERP owns its schema; this
 * definition exists for development and tests only and is never applied in production.
 */
export const BOOKMASTER_DEV_SCHEMA = `
create table if not exists users (
  id           text primary key check (id ~ '^bm_[A-Za-z0-9]+$'),
  email        text not null unique,
  full_name    text,
  external_ids jsonb not null default '{}'::jsonb,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now()
);
create unique index if not exists users_email_lower on users (lower(email));
`;

export async function ensureBookmasterDevSchema(pool: Pool): Promise<void> {
  await pool.query(BOOKMASTER_DEV_SCHEMA);
}
