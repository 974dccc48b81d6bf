# Supabase Auth (GoTrue) on 127.0.0.1:9999, over the `supabase` database of the local Postgres.
# The project never builds, downloads or contains the server: it runs the binary it finds at
# SUPABASE_AUTH_BIN, else `auth` or `gotrue` on PATH (where the official image installs it). When
# there is none, `up` says so in one line and succeeds, and `status` reports it absent.
# The service-role key (an HS256 JWT, role service_role, signed with the local secret below) is
# written to .services/supabase-auth/service-role-key, where idsync's local defaults read it.
AUTH_PORT=9999
# Local development values only, as public as the other local credentials in this repository.
AUTH_JWT_SECRET=local-development-jwt-secret-not-for-production
AUTH_DB_PASSWORD=local-development-auth-admin
# The server keeps no idle database connection unless told to (database/sql's MaxIdleConns 0), so
# each admin request would open and authenticate a new session: about 20 ms of a 21 ms request.
AUTH_DB_POOL_SIZE=20
PG_URL_BASE=postgres://postgres:postgres@127.0.0.1:5432

find_auth_bin() {
  if [ -n "${SUPABASE_AUTH_BIN:-}" ]; then
    [ -x "$SUPABASE_AUTH_BIN" ] && { echo "$SUPABASE_AUTH_BIN"; return 0; }
    return 1
  fi
  command -v auth 2>/dev/null || command -v gotrue 2>/dev/null
}

absent_line() {
  log "absent: no server binary (set SUPABASE_AUTH_BIN, or put the official image's /usr/local/bin/auth on PATH; see README, 'Supabase Auth locally')"
}

psql_pg() { PGOPTIONS="-c client_min_messages=warning" PGPASSWORD=postgres psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 5432 -U postgres "$@"; }

# What the server expects before its own `migrate`: its admin role and the `auth` schema it owns
# (the same statements as the upstream repository's development init script).
prepare_database() {
  psql_pg -d supabase <<SQL
do \$\$ begin
  if not exists (select 1 from pg_roles where rolname = 'supabase_auth_admin') then
    create role supabase_auth_admin noinherit createrole login noreplication password '$AUTH_DB_PASSWORD';
  end if;
end \$\$;
create schema if not exists auth authorization supabase_auth_admin;
grant create on database supabase to supabase_auth_admin;
alter role supabase_auth_admin set search_path = 'auth';
SQL
}

auth_env() {
  cat <<ENV
GOTRUE_DB_DRIVER=postgres
DATABASE_URL=postgres://supabase_auth_admin:$AUTH_DB_PASSWORD@127.0.0.1:5432/supabase
DB_NAMESPACE=auth
API_EXTERNAL_URL=http://127.0.0.1:$AUTH_PORT
GOTRUE_API_HOST=127.0.0.1
PORT=$AUTH_PORT
GOTRUE_SITE_URL=http://127.0.0.1:3000
GOTRUE_JWT_SECRET=$AUTH_JWT_SECRET
GOTRUE_JWT_EXP=3600
GOTRUE_JWT_AUD=authenticated
GOTRUE_JWT_DEFAULT_GROUP_NAME=authenticated
GOTRUE_JWT_ADMIN_ROLES=service_role,supabase_admin
GOTRUE_EXTERNAL_EMAIL_ENABLED=true
GOTRUE_MAILER_AUTOCONFIRM=true
GOTRUE_DISABLE_SIGNUP=false
GOTRUE_LOG_LEVEL=warn
GOTRUE_RATE_LIMIT_VERIFY=100000
GOTRUE_RATE_LIMIT_TOKEN_REFRESH=100000
GOTRUE_RATE_LIMIT_OTP=100000
GOTRUE_RATE_LIMIT_ANONYMOUS_USERS=100000
GOTRUE_DB_MAX_POOL_SIZE=$AUTH_DB_POOL_SIZE
GOTRUE_DB_MAX_IDLE_POOL_SIZE=$AUTH_DB_POOL_SIZE
ENV
}

# base64url of stdin, without padding.
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

write_service_key() {
  local header payload signature
  header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
  payload=$(printf '{"role":"service_role","iss":"idsync-local","iat":1767225600}' | b64url)
  signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -hmac "$AUTH_JWT_SECRET" -binary | b64url)
  printf '%s.%s.%s\n' "$header" "$payload" "$signature" >"$SVC_STATE/service-role-key"
  printf '%s\n' "$AUTH_JWT_SECRET" >"$SVC_STATE/jwt-secret"
}

health_ok() { curl -fsS -m 2 "http://127.0.0.1:$AUTH_PORT/health" >/dev/null; }

svc_up() {
  local bin
  if ! bin=$(find_auth_bin); then
    # No key file without a server: idsync's local defaults then leave Supabase out.
    rm -f "$SVC_STATE/service-role-key" "$SVC_STATE/jwt-secret"
    absent_line; return 0
  fi
  apt_install curl openssl
  prepare_database
  write_service_key
  # Written whoever serves the port: tests start private servers with this environment.
  auth_env >"$SVC_STATE/auth.env"
  if pid_alive "$SVC_STATE/auth.pid" && health_ok; then log "already running on 127.0.0.1:$AUTH_PORT"; return 0; fi
  # Another checkout's server (the same binary, secret and database) serves as well as ours.
  if health_ok; then log "127.0.0.1:$AUTH_PORT is served by an auth server not started here; using it"; return 0; fi
  if port_open "$AUTH_PORT"; then log "port $AUTH_PORT is taken by a process that is not an auth server"; return 1; fi
  (set -a; . "$SVC_STATE/auth.env"; "$bin" migrate) >"$SVC_STATE/migrate.log" 2>&1 || { tail -n 20 "$SVC_STATE/migrate.log" >&2; return 1; }
  # The bare command (migrate, a no-op now, then serve), as the official image runs it: only its
  # migrate step applies GOTRUE_LOG_LEVEL, and `serve` alone logged every request at info (three
  # lines an admin call, over a gigabyte a day of benchmarks).
  (set -a; . "$SVC_STATE/auth.env"; exec setsid "$bin") >>"$SVC_STATE/auth.log" 2>&1 </dev/null &
  echo $! >"$SVC_STATE/auth.pid"
  wait_for 60 "the auth server's /health" health_ok || { tail -n 20 "$SVC_STATE/auth.log" >&2; return 1; }
  log "started $bin ($("$bin" version 2>/dev/null | tail -n 1)) on 127.0.0.1:$AUTH_PORT"
}

svc_down() {
  if pid_alive "$SVC_STATE/auth.pid"; then stop_pid "$SVC_STATE/auth.pid"; log "stopped"; else log "not started here"; fi
}

svc_status() {
  local bin
  if ! bin=$(find_auth_bin); then absent_line; return 0; fi
  local version; version=$("$bin" version 2>/dev/null | tail -n 1)
  if health_ok; then log "up on 127.0.0.1:$AUTH_PORT (version ${version:-unknown}, $bin)"
  else log "down (version ${version:-unknown}, $bin)"; return 1; fi
}
