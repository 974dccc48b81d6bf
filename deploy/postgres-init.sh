#!/bin/sh
# First-start setup of the compose Postgres: the three databases, and what the Supabase
# Auth server expects before it runs its own migrations (its admin role and the auth schema).
set -eu
psql -v ON_ERROR_STOP=1 --username postgres <<'SQL'
create database supabase;
create database bookmaster;
create database idsync;
SQL
psql -v ON_ERROR_STOP=1 --username postgres --dbname supabase -v password="$SUPABASE_AUTH_DB_PASSWORD" <<'SQL'
create role supabase_auth_admin login noinherit createrole password :'password';
create schema auth authorization supabase_auth_admin;
alter role supabase_auth_admin set search_path = auth;
SQL
