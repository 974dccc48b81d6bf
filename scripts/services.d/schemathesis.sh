# schemathesis (PyPI), the API fuzzer of test/integration/http/fuzz-api.test.ts and `npm run fuzz`
# (test/fuzz/run-schemathesis.ts). Not a server: `up` installs the pinned version into a virtualenv
# under .services/schemathesis/venv (git-ignored), `status` reports it, `down` has nothing to stop.
SCHEMATHESIS_VERSION=4.32.5

schemathesis_bin() { echo "$SVC_STATE/venv/bin/st"; }

svc_up() {
  local bin; bin=$(schemathesis_bin)
  if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null | grep -o '[0-9][0-9.]*$')" = "$SCHEMATHESIS_VERSION" ]; then
    log "installed: $("$bin" --version 2>/dev/null)"
    return 0
  fi
  log "installing schemathesis $SCHEMATHESIS_VERSION"
  local pip_log="$SVC_STATE/pip.log"
  if ! { python3 -m venv "$SVC_STATE/venv" && "$SVC_STATE/venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"; } >"$pip_log" 2>&1; then
    tail -n 20 "$pip_log" >&2
    return 1
  fi
  log "installed: $("$bin" --version 2>/dev/null)"
}

svc_down() { log "nothing to stop"; }

svc_status() {
  local bin; bin=$(schemathesis_bin)
  if [ -x "$bin" ]; then log "installed: $("$bin" --version 2>/dev/null)"
  else log "not installed"; return 1; fi
}
