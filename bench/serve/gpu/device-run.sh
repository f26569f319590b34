#!/usr/bin/env bash
# One call on the GPU machine (from the repo root): build the addon with CUDA, run the GPU paged-attention test and
# the serve tests with the GPU as default device, then the serve load test against HF generate.
# Usage: bash bench/serve/gpu/device-run.sh HF_DIR [clients] [tokens]
#   HF_DIR: config.json + tokenizer files of SmolLM2-135M (the random weights are written there on first use).
set -uo pipefail
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
SRC=${1:?HF dir}
CLIENTS=${2:-1,8,32,64}
TOKENS=${3:-64}
t=$(date +%s)
STEPS=build bash scripts/gpu/run-all.sh > "$OUT/build.txt" 2>&1
rc=$?
echo "build rc=$rc in $(( $(date +%s) - t ))s"
if (( rc != 0 )); then tail -40 "$OUT/build.txt"; exit 1; fi
t=$(date +%s)
MLX_DEFAULT_DEVICE=gpu timeout 200 node node_modules/vitest/vitest.mjs run packages/serve/test/paged-attention-gpu.test.ts \
  packages/serve/test/compiled-decode.test.ts packages/serve/test/scheduler.test.ts packages/serve/test/block-manager.test.ts \
  packages/serve/test/server.test.ts > "$OUT/serve-tests.txt" 2>&1
echo "serve tests (GPU default) rc=$? in $(( $(date +%s) - t ))s"
grep -E "Test Files|Tests  |FAIL|✓|×|AssertionError" "$OUT/serve-tests.txt" | head -40
HF=/tmp/serve-hf
rm -rf "$HF" && mkdir -p "$HF" && cp "$SRC"/* "$HF"/
t=$(date +%s)
OUT=$OUT timeout ${BENCH_TIMEOUT:-280} node bench/serve/gpu/run.mjs --hf-dir "$HF" --tokens "$TOKENS" --clients "$CLIENTS" --agree 32 \
  > "$OUT/serve-bench.txt" 2> "$OUT/serve-bench.err"
echo "serve bench rc=$? in $(( $(date +%s) - t ))s"
grep -v "Writing model\|it/s\]" "$OUT/serve-bench.err" | tail -30
cat "$OUT/serve-bench.txt"
