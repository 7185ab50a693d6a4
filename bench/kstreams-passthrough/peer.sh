#!/usr/bin/env bash
# peer.sh - the Kafka Streams pass-through peer of bench/passthrough-node.ts (this folder).
#
#   bench/kstreams-passthrough/peer.sh jar            build if needed, print the path of the runnable jar
#   bench/kstreams-passthrough/peer.sh run [args...]  build if needed, run it (arguments: Passthrough.java)
#
# Same pattern as scripts/kstreams-peer.sh: the build goes to a cache folder outside the clone, one
# per hash of this folder's pom + sources, and Maven's own repository (~/.m2) is shared with it.
set -euo pipefail

PEER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${VF_KSTREAMS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vision-flow/kstreams-passthrough}

say() { printf '[kstreams-passthrough] %s\n' "$*" >&2; }
die() { printf '[kstreams-passthrough] ERROR: %s\n' "$*" >&2; exit 1; }

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
      if ! mvn -q -B -Dstyle.color=never -f "$PEER_DIR/pom.xml" package -Dpeer.buildDir="$out" >"$CACHE/$hash.mvn.log" 2>&1; then
        tail -n 40 "$CACHE/$hash.mvn.log" >&2
        die "mvn package failed (full output: $CACHE/$hash.mvn.log)"
      fi
      [[ -f $out/kstreams-passthrough.jar ]] || die "mvn did not produce $out/kstreams-passthrough.jar"
      touch "$out/.built"
    fi
    exec 9>&-
  fi
  echo "$out/kstreams-passthrough.jar"
}

case ${1:-} in
  jar) build ;;
  run)
    shift
    jar=$(build)
    java=java
    [[ -n ${JAVA_HOME:-} ]] && java=$JAVA_HOME/bin/java
    exec "$java" ${VF_KSTREAMS_JAVA_OPTS:-} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -jar "$jar" "$@"
    ;;
  *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
