#!/usr/bin/env bash
# The whole GPU run in one command (on the GPU machine, from the repo root): build the addon with
# CUDA, run the full vitest suite with the GPU as default device plus the GPU tests, run bench/gpu
# against PyTorch, print a summary. Logs go to $OUT (or ./gpu-out). Needs node, cmake, nvcc, python3+torch.
set -uo pipefail
OUT=${OUT:-$PWD/gpu-out}
LOG=$OUT/logs  # tarred into $OUT/logs.tgz at the end (the lent machine returns few files)
mkdir -p "$OUT" "$LOG"
export NCCL_NVLS_ENABLE=0
summary() { echo "$*" | tee -a "$OUT/summary.txt"; }
# STEPS picks parts (one lent call may not fit all): build,tests,profile,variants,bench,suite.
STEPS=${STEPS:-build,tests,suite,bench}
has() { [[ ",$STEPS," == *",$1,"* ]]; }
summary "gpu: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader)"

if has build; then
t0=$(date +%s)
(cd packages/native && MLX_CUDA=ON node scripts/build.mjs) > "$LOG/build.log" 2>&1
rc=$?
summary "build: rc=$rc in $(( $(date +%s) - t0 ))s"
if (( rc != 0 )); then grep -m 30 -B2 -A8 "error" "$LOG/build.log"; tail -30 "$LOG/build.log"; tar czf "$OUT/logs.tgz" -C "$OUT" logs; exit 1; fi
fi
node --input-type=module -e "import('./packages/core/dist/index.js').then(m => console.log('cuda available:', m.cuda.isAvailable()))" 2>&1 | tee -a "$OUT/summary.txt"
# cuDNN fused attention is compiled in when the build found cudnn.h + the cuDNN frontend headers
# (CUDNN_FRONTEND_INCLUDE_DIR, scripts/gpu/fetch-cudnn-frontend.sh); the GPU tests then require it.
if grep -q "cuDNN attention ON" "$LOG/build.log" 2>/dev/null; then export MLX_EXPECT_CUDNN=1; fi
summary "$(grep -h "cuDNN attention" "$LOG/build.log" 2>/dev/null | head -1)"

run_vitest() {  # name, env, files...
  local name=$1 envs=$2; shift 2
  local t=$(date +%s)
  env $envs timeout ${VITEST_TIMEOUT:-300} node node_modules/vitest/vitest.mjs run --reporter=json --outputFile="$LOG/$name.json" "$@" > "$LOG/$name.log" 2>&1
  local r=$?
  node -e "
    const r = JSON.parse(require('fs').readFileSync('$LOG/$name.json', 'utf8'));
    const failed = r.testResults.flatMap(f => f.assertionResults.filter(a => a.status === 'failed').map(a => f.name.split('/').pop() + ': ' + a.fullName));
    console.log('$name: passed', r.numPassedTests, 'failed', r.numFailedTests, 'skipped', r.numPendingTests + r.numTodoTests, 'files', r.numTotalTestSuites);
    for (const f of failed.slice(0, 40)) console.log('  FAIL', f);
  " 2>&1 | tee -a "$OUT/summary.txt"
  summary "$name: rc=$r in $(( $(date +%s) - t ))s"
}
has tests && run_vitest gpu-tests "" packages/core/test/gpu*.test.ts

has profile && OUT=$OUT bash scripts/gpu/profile-run.sh > /dev/null 2>&1
if has variants; then  # A/B of the switches behind this session's changes, same machine, same call
  for v in 0 1 3; do
    MLX_CUDA_QMV_TC=$v PROFILE_TAG="qmv_tc=$v" timeout 120 node bench/gpu/profile.mjs qmv 2>&1 | tail -3 | tee -a "$OUT/summary.txt"
  done
  for v in ${PLAN_CACHE_AB:-}; do
    MLX_CUDA_MATMUL_PLAN_CACHE=$v PROFILE_TAG="plan_cache=$v" timeout 150 node bench/gpu/profile.mjs decode 2>&1 | tail -3 | tee -a "$OUT/summary.txt"
  done
fi
if has bench; then
  t=$(date +%s)
  OUT=$OUT timeout ${BENCH_TIMEOUT:-400} node bench/gpu/run.mjs > "$LOG/bench.log" 2>&1
  summary "bench: rc=$? in $(( $(date +%s) - t ))s"
  tail -26 "$LOG/bench.log" >> "$OUT/summary.txt"
  # cuDNN attention plan cost per new sequence length (static vs dynamic shapes) and the background build
  grep -q "cuDNN attention ON" "$LOG/build.log" 2>/dev/null && timeout 150 node bench/gpu/attn-plans.mjs > "$LOG/attn-plans.log" 2>&1
  [[ -f $LOG/attn-plans.log ]] && cat "$LOG/attn-plans.log" >> "$OUT/summary.txt"
fi
has suite && run_vitest suite-gpu-default "MLX_DEFAULT_DEVICE=gpu" ${SUITE:-packages/core/test packages/nn/test}
tar czf "$OUT/logs.tgz" -C "$OUT" logs && rm -rf "$LOG"
cat "$OUT/summary.txt"
