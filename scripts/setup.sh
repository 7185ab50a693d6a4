#!/usr/bin/env bash
# Prepares a fresh machine (Debian 12, Node 20+) to build and run vision-flow. Idempotent: each
# step is skipped when already done, so the demo and test commands call it every time.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

log() { printf 'setup: %s\n' "$*" >&2; }

# 1. Debian packages: the dev libraries @confluentinc/kafka-javascript compiles librdkafka against
#    (its prebuilt binary cannot be downloaded here), libjpeg-turbo's for the operators' JPEG decoder
#    addon, and DejaVu fonts for labels on annotated images.
apt_packages=(zlib1g-dev libssl-dev libzstd-dev libcurl4-openssl-dev libsasl2-dev liblz4-dev libturbojpeg0-dev fonts-dejavu-core build-essential patch python3 python3-venv)
missing=()
for p in "${apt_packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
# Java and Maven: the local Kafka broker and registry run on Java, their jars and the Kafka Streams
# peer (test/kstreams) come through Maven. Any JDK 17+ already on the PATH will do.
command -v java >/dev/null 2>&1 || missing+=(default-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
# tmux: test/e2e/metrics.test.ts runs `vision-flow top` in a real terminal and captures its screen.
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 2. npm dependencies, once per package-lock.json: librdkafka builds from source (about 2 min), and
#    onnxruntime-node must not try to download CUDA files (its CPU binaries ship in the package).
stamp="node_modules/.vision-flow-lock.sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -f node_modules/@confluentinc/kafka-javascript/build/Release/confluent-kafka-javascript.node ]; then
  log "installing npm dependencies (builds librdkafka from source; about 2-3 minutes)"
  # npm prints its summary on stdout; the demo's stdout carries results only.
  CKJS_LINKING=dynamic ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > "$stamp"
fi
# The Kafka binding's consume(n) with its message conversion patched (packages/core/patches/: ~25 %
# less CPU per consumed record); an incremental rebuild of its addon, once.
sh packages/core/scripts/patch-kafka-binding.sh node_modules

# 3. Build the packages (turbo skips what has not changed).
log "building packages"
TURBO_TELEMETRY_DISABLED=1 node_modules/.bin/turbo run build --output-logs=errors-only >/dev/null
chmod +x packages/cli/dist/bin.js
log "ready"
