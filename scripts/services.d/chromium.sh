# Debian's Chromium, for the browser test of the dashboard (test/e2e/dashboard.test.ts), which
# drives it headless through playwright-core at /usr/bin/chromium. Not a server: `up` installs the
# package, `status` reports its version, `down` has nothing to stop. No browser is ever downloaded.
CHROMIUM_BIN=/usr/bin/chromium

svc_up() {
  apt_install chromium
  log "installed: $("$CHROMIUM_BIN" --version 2>/dev/null)"
}

svc_down() { log "nothing to stop"; }

svc_status() {
  if [ -x "$CHROMIUM_BIN" ]; then log "installed: $("$CHROMIUM_BIN" --version 2>/dev/null)"
  else log "not installed"; return 1; fi
}
