#!/usr/bin/env bash
# python-peer.sh - the hand-written Python loop the image pipeline is measured against
# (../shared/peers/python-ort: OpenCV decode, onnxruntime CPU, YOLOX-nano + UltraFace-rfb-320).
#
#   scripts/python-peer.sh python                 set up if needed, print the venv's python
#   scripts/python-peer.sh run SHARED [ROUNDS] [PROCS]     run the peer as written (prints images/s)
#   scripts/python-peer.sh detections SHARED OUT.jsonl     the peer's detections per image (bench/python-peer/)
#
# The venv (onnxruntime, opencv-python-headless, numpy from PyPI) lives in a cache folder outside
# the clone, one per requirements hash, so repeated runs install once and print nothing.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
PEER=${VF_PYTHON_PEER:-$REPO/../shared/peers/python-ort/yolox_ultraface_peer.py}
REQS=(onnxruntime opencv-python-headless numpy)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/vision-flow/python-peer
VENV=$CACHE/venv-$(printf '%s\n' "${REQS[@]}" | sha256sum | cut -c1-12)

say() { printf '[python-peer] %s\n' "$*" >&2; }
die() { printf '[python-peer] ERROR: %s\n' "$*" >&2; exit 1; }

setup() {
  [[ -f $VENV/.ready ]] && return 0
  mkdir -p "$CACHE"
  exec 9>>"$CACHE/.setup.lock"
  command -v flock >/dev/null 2>&1 && flock 9
  [[ -f $VENV/.ready ]] && return 0
  command -v python3 >/dev/null 2>&1 || die "python3 is required (scripts/setup.sh installs it)"
  say "creating $VENV with ${REQS[*]} from PyPI"
  rm -rf "$VENV"
  python3 -m venv "$VENV" || die "python3 -m venv failed: install python3-venv"
  if ! "$VENV/bin/pip" install -q --disable-pip-version-check "${REQS[@]}" >"$CACHE/pip.log" 2>&1; then
    tail -n 20 "$CACHE/pip.log" >&2
    die "pip install failed (full output: $CACHE/pip.log)"
  fi
  "$VENV/bin/python" -c 'import cv2, onnxruntime, numpy' || die "the venv's packages do not import"
  touch "$VENV/.ready"
}

[[ -f $PEER ]] || die "peer not found at $PEER (set VF_PYTHON_PEER)"
cmd=${1:-}
shift || true
case $cmd in
  python) setup; echo "$VENV/bin/python" ;;
  run) setup; exec "$VENV/bin/python" "$PEER" "$@" ;;
  detections) setup; PYTHONPATH=$(dirname "$PEER") exec "$VENV/bin/python" "$REPO/bench/python-peer/peer_detections.py" "$@" ;;
  *) die "usage: $0 python | run SHARED [ROUNDS] [PROCS] | detections SHARED OUT.jsonl" ;;
esac
