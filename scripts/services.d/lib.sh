# Shared helpers for scripts/services.d/*.sh. Sourced, never run.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# state_dir NAME: the git-ignored folder for one service's data, logs and pid file.
state_dir() { local dir="$root/.services/$1"; mkdir -p "$dir"; echo "$dir"; }

log() { echo "[$SVC_NAME] $*"; }

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND until it succeeds or time runs out.
wait_for() {
  local seconds=$1 what=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then log "timed out after ${seconds}s waiting for $what"; return 1; fi
    sleep 0.2
  done
}

apt_updated=""
# apt_install PACKAGE...: installs Debian packages that are missing (apt-get update once per run).
apt_install() {
  local missing=()
  # `dpkg -s` succeeds for a removed package whose config files remain, so ask for the state itself.
  for pkg in "$@"; do
    [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  local sudo="" apt_log="$SVC_STATE/apt.log"; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ -z "$apt_updated" ]; then $sudo apt-get update -qq >"$apt_log" 2>&1; apt_updated=1; fi
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$apt_log" 2>&1; then
    tail -n 20 "$apt_log" >&2
    return 1
  fi
}

# pid_alive FILE: true when FILE names a running process.
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# wait_gone PID SECONDS: waits for the process to end; fails if it is still there after SECONDS.
wait_gone() {
  local pid=$1 until=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $until ]; then return 1; fi
    sleep 0.2
  done
}

# stop_pid FILE: stops the process FILE names (TERM, then KILL after 10s) and removes FILE.
stop_pid() {
  local file=$1
  if pid_alive "$file"; then
    local pid; pid=$(cat "$file"); kill "$pid" 2>/dev/null || true
    # After SIGKILL too it waits for the process to be gone: a large heap takes a moment to free,
    # and until then its port still answers, which the next `up` would take for a server to use.
    if ! wait_gone "$pid" 10; then kill -9 "$pid" 2>/dev/null || true; wait_gone "$pid" 10 || true; fi
  fi
  rm -f "$file"
}
