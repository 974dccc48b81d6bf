# Redis 7 (Debian's redis-server) on 127.0.0.1:6379, data and log in .services/redis/.
REDIS_PORT=6379

redis_ping() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

svc_up() {
  apt_install redis-server
  if redis_ping; then log "already running on 127.0.0.1:$REDIS_PORT"; return 0; fi
  # BullMQ requires maxmemory-policy noeviction: an evicted job key is a lost job.
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
    --dir "$SVC_STATE" --pidfile "$SVC_STATE/redis.pid" --logfile "$SVC_STATE/redis.log" \
    --appendonly yes --maxmemory-policy noeviction --save ""
  wait_for 30 "redis to answer PING" redis_ping
  log "started on 127.0.0.1:$REDIS_PORT"
}

svc_down() {
  if pid_alive "$SVC_STATE/redis.pid"; then stop_pid "$SVC_STATE/redis.pid"; log "stopped"; else log "not started here"; fi
}

svc_status() {
  if redis_ping; then log "up on 127.0.0.1:$REDIS_PORT ($(redis-cli -p "$REDIS_PORT" info server | tr -d '\r' | grep '^redis_version:'))"
  else log "down"; return 1; fi
}
