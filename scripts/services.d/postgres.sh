# PostgreSQL 15 with wal_level=logical, on 127.0.0.1:5432, data in .services/postgres/.
# Databases: supabase (Supabase Auth's own), bookmaster (the ERP), idsync (the ledger).
PG_PORT=5432
PG_PASSWORD=postgres
# The most WAL a replication slot may hold back (max_slot_wal_keep_size).
PG_SLOT_WAL_KEEP=${PG_SLOT_WAL_KEEP:-4GB}
PG_DATABASES=(supabase bookmaster idsync)
PG_BIN=/usr/lib/postgresql/15/bin

# Postgres refuses to run as root; as root we run it as the package's `postgres` user.
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# The server user must be able to reach the state folder: a clone made with `mktemp -d` is 0700.
grant_traverse() {
  [ "$(id -u)" -eq 0 ] || return 0
  local dir=$SVC_STATE
  while [ "$dir" != / ]; do
    if ! runuser -u postgres -- test -x "$dir"; then log "granting o+x on $dir so the postgres user can reach its data"; chmod o+x "$dir"; fi
    dir=$(dirname "$dir")
  done
}

pg_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }
psql_super() { PGPASSWORD=$PG_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"; }

init_cluster() {
  local data=$SVC_STATE/data
  [ -f "$data/PG_VERSION" ] && return 0
  log "initialising cluster in $data"
  mkdir -p "$data"; chmod 700 "$data"
  [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$SVC_STATE"
  local pwfile; pwfile=$(mktemp); echo "$PG_PASSWORD" >"$pwfile"; chmod 644 "$pwfile"
  as_owner "$PG_BIN/initdb" -D "$data" -U postgres --pwfile="$pwfile" -A scram-sha-256 --auth-local=trust -E UTF8 >"$SVC_STATE/initdb.log"
  rm -f "$pwfile"
  cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$SVC_STATE'
wal_level = logical
max_replication_slots = 32
max_wal_senders = 32
max_connections = 300
# Development and test data is disposable: trade durability for speed.
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  echo "host replication all 127.0.0.1/32 scram-sha-256" >>"$data/pg_hba.conf"
}

svc_up() {
  apt_install postgresql-15 postgresql-client-15
  if pid_alive "$SVC_STATE/data/postmaster.pid" || pg_ready; then
    log "already running on 127.0.0.1:$PG_PORT"
  else
    grant_traverse; init_cluster
    # A replication slot nobody reads (a killed test's, a watcher stopped for good) keeps every
    # WAL segment after its position: on this machine one filled the disk (69 GB) and took
    # Postgres down, and the ledger, Bookmaster and Supabase with it. Past the cap Postgres gives
    # the slot up (wal_status 'lost') and only a watcher on that slot fails. On the command line,
    # so that an existing cluster gets it too.
    as_owner "$PG_BIN/pg_ctl" -D "$SVC_STATE/data" -l "$SVC_STATE/postgres.log" -o "-c max_slot_wal_keep_size=$PG_SLOT_WAL_KEEP" -w -t 60 start >/dev/null
    log "started on 127.0.0.1:$PG_PORT"
  fi
  wait_for 60 "postgres to accept connections" pg_ready
  for db in "${PG_DATABASES[@]}"; do
    if [ -z "$(psql_super -d postgres -tAc "select 1 from pg_database where datname = '$db'")" ]; then
      psql_super -d postgres -c "create database $db"
    fi
  done
}

svc_down() {
  if [ -f "$SVC_STATE/data/postmaster.pid" ]; then
    as_owner "$PG_BIN/pg_ctl" -D "$SVC_STATE/data" -m fast -w stop >/dev/null && log "stopped"
  else
    log "not started here"
  fi
}

svc_status() {
  if pg_ready; then log "up on 127.0.0.1:$PG_PORT (databases: $(psql_super -d postgres -tAc "select string_agg(datname, ',' order by datname) from pg_database where not datistemplate"))"
  else log "down"; return 1; fi
}
