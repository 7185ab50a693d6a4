#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, a real Kafka broker and schema registry on
# loopback (scripts/stack.sh), then every unit, integration and end-to-end test.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$repo/scripts/setup.sh"
cd "$repo"
bash scripts/stack.sh start
trap 'bash scripts/stack.sh stop >/dev/null 2>&1 || true' EXIT
eval "$(bash scripts/stack.sh env)"
# The Kafka Streams peer of test/e2e/kstreams-windows.test.ts: built once per source hash, cached outside the clone.
bash scripts/kstreams-peer.sh jar >/dev/null
# The local base image `vision-flow build` builds FROM here (no registry is reachable): Debian plus
# this machine's Node, made once and cached outside the clone (test/e2e/up-containers.test.ts).
VF_BASE_IMAGE="$(bash scripts/base-image.sh)" || echo "test: no local base image (see above); the container test will say why" >&2
export VF_BASE_IMAGE
# The Python client team's venv (confluent-kafka from PyPI) of test/e2e/python-client.test.ts, cached outside the clone.
bash scripts/python-client.sh setup
export VF_BROKERS VF_REGISTRY
export VF_MODEL_DIR="${VF_MODEL_DIR:-$repo/../shared/models}"
node_modules/.bin/tsc -p tsconfig.json
node_modules/.bin/vitest run "$@"
