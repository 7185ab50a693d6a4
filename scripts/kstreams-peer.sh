#!/usr/bin/env bash
# kstreams-peer.sh - the Kafka Streams peer of the windowed-aggregation cross-check (test/kstreams/).
#
#   scripts/kstreams-peer.sh jar            build if needed, print the path of the runnable jar
#   scripts/kstreams-peer.sh run [args...]  build if needed, run it (arguments: test/kstreams/README.md)
#
# The build goes to a cache folder outside the clone, one per hash of test/kstreams (pom + sources),
# so CI and repeated test runs build once; Maven's own repository (~/.m2) is re-used as well.
# Another Kafka Streams project builds the same way through VF_KSTREAMS_PROJECT (its folder),
# VF_KSTREAMS_JAR (the jar its pom writes to ${peer.buildDir}) and VF_KSTREAMS_CACHE.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEER_DIR=$(cd "${VF_KSTREAMS_PROJECT:-$SCRIPT_DIR/../test/kstreams}" && pwd)
JAR=${VF_KSTREAMS_JAR:-kstreams-peer.jar}
CACHE=${VF_KSTREAMS_CACHE:-$HOME/.cache/vision-flow/kstreams-peer}

say() { printf '[kstreams-peer] %s\n' "$*" >&2; }
die() { printf '[kstreams-peer] ERROR: %s\n' "$*" >&2; exit 1; }

peer_hash() {
  (cd "$PEER_DIR" && find pom.xml src -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16
}

build() {
  local hash out
  hash=$(peer_hash)
  out=$CACHE/$hash
  if [[ ! -f $out/.built ]]; then
    mkdir -p "$CACHE"
    exec 9>>"$CACHE/.build.lock"
    command -v flock >/dev/null 2>&1 && flock 9
    if [[ ! -f $out/.built ]]; then
      command -v mvn >/dev/null 2>&1 || die "'mvn' is required to build the Kafka Streams peer (scripts/setup.sh installs it)"
      say "building $PEER_DIR into $out"
      rm -rf "$out"
      # mvn output goes to a file (noisy even with -q); shown only when it fails.
      if ! mvn -q -B -Dstyle.color=never -f "$PEER_DIR/pom.xml" package -Dpeer.buildDir="$out" >"$CACHE/$hash.mvn.log" 2>&1; then
        tail -n 40 "$CACHE/$hash.mvn.log" >&2
        die "mvn package failed (full output: $CACHE/$hash.mvn.log)"
      fi
      [[ -f $out/$JAR ]] || die "mvn did not produce $out/$JAR"
      touch "$out/.built"
    fi
    exec 9>&-
  fi
  echo "$out/$JAR"
}

case ${1:-} in
  jar) build ;;
  run)
    shift
    jar=$(build)
    # Warnings and errors only on stderr; progress lines (JSON) on stdout.
    java=java
    [[ -n ${JAVA_HOME:-} ]] && java=$JAVA_HOME/bin/java
    exec "$java" ${VF_KSTREAMS_JAVA_OPTS:-} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -jar "$jar" "$@"
    ;;
  *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
