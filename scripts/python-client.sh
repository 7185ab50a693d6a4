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

REQS=('confluent-kafka[avro,schemaregistry]==2.16.1')
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/vision-flow/python-client
VENV=$CACHE/venv-$(printf '%s\n' "${REQS[@]}" | sha256sum | cut -c1-12)

die() { printf '[python-client] ERROR: %s\n' "$*" >&2; exit 1; }

setup() {
  [[ -f $VENV/.ready ]] && return 0
  mkdir -p "$CACHE"
  exec 9>>"$CACHE/.setup.lock"
  command -v flock >/dev/null 2>&1 && flock 9
  [[ -f $VENV/.ready ]] && return 0
  command -v python3 >/dev/null 2>&1 || die "python3 is required (scripts/setup.sh installs it)"
  printf '[python-client] creating %s with %s from PyPI\n' "$VENV" "${REQS[*]}" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV" || die "python3 -m venv failed: install python3-venv"
  if ! "$VENV/bin/pip" install -q --disable-pip-version-check "${REQS[@]}" >"$CACHE/pip.log" 2>&1; then
    tail -n 20 "$CACHE/pip.log" >&2
    die "pip install failed (full output: $CACHE/pip.log)"
  fi
  "$VENV/bin/python" -c 'import confluent_kafka, confluent_kafka.schema_registry.avro' || die "the venv's packages do not import"
  touch "$VENV/.ready"
}

case ${1:-} in
  python) setup; echo "$VENV/bin/python" ;;
  setup) setup ;;
  *) die "usage: $0 python | setup" ;;
esac
