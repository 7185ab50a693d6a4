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
venv_python() { bash "$SCRIPT_DIR/python-venv.sh" python-peer 'cv2, onnxruntime, numpy' "${REQS[@]}"; }
die() { printf '[python-peer] ERROR: %s\n' "$*" >&2; exit 1; }

[[ -f $PEER ]] || die "peer not found at $PEER (set VF_PYTHON_PEER)"
cmd=${1:-}
shift || true
case $cmd in
  python) venv_python ;;
  run) py=$(venv_python); exec "$py" "$PEER" "$@" ;;
  detections) py=$(venv_python); PYTHONPATH=$(dirname "$PEER") exec "$py" "$REPO/bench/python-peer/peer_detections.py" "$@" ;;
  *) die "usage: $0 python | run SHARED [ROUNDS] [PROCS] | detections SHARED OUT.jsonl" ;;
esac
