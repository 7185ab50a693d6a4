#!/usr/bin/env bash
# python-client.sh - the Python venv a client team would use to read vision-flow's output topics
# (confluent-kafka with its schema registry client and Avro deserializer, from PyPI).
#
#   scripts/python-client.sh python      set up if needed, print the venv's python
#   scripts/python-client.sh setup       set up if needed, print nothing
#
# The venv lives in a cache folder outside the clone, one per requirements hash, so repeated
# runs install once and print nothing (examples/python-client/, test/e2e/python-client.test.ts).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REQS=('confluent-kafka[avro,schemaregistry]==2.16.1')
venv_python() { bash "$SCRIPT_DIR/python-venv.sh" python-client 'confluent_kafka, confluent_kafka.schema_registry.avro' "${REQS[@]}"; }
die() { printf '[python-client] ERROR: %s\n' "$*" >&2; exit 1; }

case ${1:-} in
  python) venv_python ;;
  setup) venv_python >/dev/null ;;
  *) die "usage: $0 python | setup" ;;
esac
