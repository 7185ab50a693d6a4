#!/usr/bin/env bash
# The main job: sets up, then runs the image pipeline on the embedded runtime over ../shared/images,
# printing one JSON line per image on stdout and progress plus a summary on stderr.
# Extra arguments go to `vision-flow run`, e.g. --annotate out/annotated.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$repo/scripts/setup.sh"
cd "$repo"
export VF_MODEL_DIR="${VF_MODEL_DIR:-$repo/../shared/models}"
exec node --no-parallel-scavenge --turbo-filter=-parseSource --initial-old-space-size=64 --interrupt-budget=400000 packages/cli/dist/bin.js run topologies/image-pipeline.ts --images "${VF_IMAGES:-$repo/../shared/images}" "$@"
