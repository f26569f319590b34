#!/usr/bin/env bash
# The README demo: bootstraps (pnpm, deps, native build, espeak-ng, model weights), then runs the flagship pipeline:
# espeak-ng questions paced at real time (or --mic / --wav FILE) → VAD → Whisper tiny.en → SmolLM2-135M's streamed
# answers, with latency figures. `bash scripts/demo.sh --engine` runs the engine tour instead.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--engine" ]]; then
  bash scripts/bootstrap.sh
  exec node apps/examples/src/engine-demo.mjs "${@:2}"
fi
exec bash scripts/demo-pipeline.sh "$@"
