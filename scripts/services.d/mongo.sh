# MongoDB wire-compatible server with change streams: de.bwaldvogel:mongo-java-server with its
# memory backend and an oplog of our own, on 127.0.0.1:27017. Jars come from Maven Central through
# scripts/mongo/pom.xml; scripts/mongo/*.java (compiled at each start into $SVC_STATE/classes)
# start it. Data lives in memory only.
MONGO_PORT=27017
# How long the test server keeps oplog entries (scripts/mongo/WindowedOplog.java explains why).
MONGO_OPLOG_WINDOW_SECONDS=${MONGO_OPLOG_WINDOW_SECONDS:-600}
# The test server's Java heap: it keeps every document (and the oplog's copies) in it. 2g is plenty
# for the tests; the bench's 100,000- and 1,000,000-person audits want more (bench/README.md).
MONGO_HEAP=${MONGO_HEAP:-2g}
mongo_dir="$root/scripts/mongo"

mongo_ready() { port_open "$MONGO_PORT"; }

fetch_jars() {
  local lib=$SVC_STATE/lib
  [ -f "$lib/.complete" ] && return 0
  apt_install openjdk-17-jdk-headless maven
  log "fetching mongo-java-server from Maven Central"
  mvn -q -B -f "$mongo_dir/pom.xml" dependency:copy-dependencies -DoutputDirectory="$lib" >"$SVC_STATE/maven.log" 2>&1
  touch "$lib/.complete"
}

# The launcher is a few Java files, so it is compiled (javac) rather than run as a single source file.
compile_launcher() {
  local classes=$SVC_STATE/classes
  apt_install openjdk-17-jdk-headless
  rm -rf "$classes"
  javac -d "$classes" -cp "$SVC_STATE/lib/*" "$mongo_dir"/*.java
}

svc_up() {
  # The jars first, whoever serves the port: tests start private servers of this checkout's launcher.
  fetch_jars
  if pid_alive "$SVC_STATE/mongo.pid"; then log "already running on 127.0.0.1:$MONGO_PORT"; return 0; fi
  if mongo_ready; then log "port $MONGO_PORT is served by a process not started here; using it"; return 0; fi
  compile_launcher
  nohup java "-Xmx$MONGO_HEAP" -cp "$SVC_STATE/classes:$SVC_STATE/lib/*" MongoLauncher 127.0.0.1 "$MONGO_PORT" "$MONGO_OPLOG_WINDOW_SECONDS" \
    >"$SVC_STATE/mongo.log" 2>&1 &
  echo $! >"$SVC_STATE/mongo.pid"
  wait_for 60 "mongo-java-server to listen" mongo_ready
  log "started on 127.0.0.1:$MONGO_PORT"
}

svc_down() {
  if pid_alive "$SVC_STATE/mongo.pid"; then stop_pid "$SVC_STATE/mongo.pid"; log "stopped"; else log "not started here"; fi
}

svc_status() {
  if mongo_ready; then log "up on 127.0.0.1:$MONGO_PORT (mongo-java-server, in memory)"
  else log "down"; return 1; fi
}
