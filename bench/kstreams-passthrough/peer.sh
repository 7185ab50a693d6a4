#!/usr/bin/env bash
# peer.sh - the Kafka Streams pass-through peer of bench/passthrough-node.ts (this folder).
#
#   bench/kstreams-passthrough/peer.sh jar            build if needed, print the path of the runnable jar
#   bench/kstreams-passthrough/peer.sh run [args...]  build if needed, run it (arguments: Passthrough.java)
#
# Built and run by scripts/kstreams-peer.sh, as the windows peer is: into a cache folder outside the
# clone, one per hash of this folder's pom + sources, sharing Maven's repository (~/.m2).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VF_KSTREAMS_PROJECT=$here VF_KSTREAMS_JAR=kstreams-passthrough.jar \
  VF_KSTREAMS_CACHE=${VF_KSTREAMS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vision-flow/kstreams-passthrough} \
  exec bash "$here/../../scripts/kstreams-peer.sh" "$@"
