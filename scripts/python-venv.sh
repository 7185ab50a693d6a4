#!/usr/bin/env bash
# python-venv.sh - a Python venv with packages from PyPI, in a cache folder outside the clone, one per
# requirements list, so repeated runs install once and print nothing but the venv's python.
#
#   scripts/python-venv.sh NAME IMPORTS REQUIREMENT...
#     NAME     the cache folder (${XDG_CACHE_HOME:-~/.cache}/vision-flow/NAME)
#     IMPORTS  Python modules that must import once installed, e.g. "cv2, numpy"
# Prints the venv's python on stdout. Used by python-client.sh and python-peer.sh.
set -euo pipefail
(( $# >= 3 )) || { echo "usage: $0 NAME IMPORTS REQUIREMENT..." >&2; exit 2; }
name=$1 imports=$2
shift 2
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/vision-flow/$name
VENV=$CACHE/venv-$(printf '%s\n' "$@" | sha256sum | cut -c1-12)

die() { printf '[%s] ERROR: %s\n' "$name" "$*" >&2; exit 1; }

setup() {
  [[ -f $VENV/.ready ]] && return 0
  mkdir -p "$CACHE"
  exec 9>>"$CACHE/.setup.lock"
  command -v flock >/dev/null 2>&1 && flock 9
  [[ -f $VENV/.ready ]] && return 0 # made by another process while this one waited
  command -v python3 >/dev/null 2>&1 || die "python3 is required (scripts/setup.sh installs it)"
  printf '[%s] creating %s with %s from PyPI\n' "$name" "$VENV" "$*" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV" || die "python3 -m venv failed: install python3-venv"
  if ! "$VENV/bin/pip" install -q --disable-pip-version-check "$@" >"$CACHE/pip.log" 2>&1; then
    tail -n 20 "$CACHE/pip.log" >&2
    die "pip install failed (full output: $CACHE/pip.log)"
  fi
  "$VENV/bin/python" -c "import $imports" || die "the venv's packages do not import"
  touch "$VENV/.ready"
}

setup "$@"
echo "$VENV/bin/python"
