#!/usr/bin/env bash
# Local compile check of CUDA sources without a GPU: nvcc from the nvidia-cuda-nvcc pip wheels
# (NVCC_HOME, default /work/cudavenv/.../nvidia/cu13). Prints ptxas resource usage per kernel.
# Usage: scripts/gpu/nvcc-check.sh [file.cu ...]   (default: every .cu of the backend)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NV=${NVCC_HOME:-/work/cudavenv/lib/python3.11/site-packages/nvidia/cu13}
files=("$@"); [[ ${#files[@]} -eq 0 ]] && files=("$ROOT"/packages/native/src/backend/cuda/*.cu)
mkdir -p /tmp/nvcc-check
for f in "${files[@]}"; do
  echo "== $(basename "$f")"
  "$NV/bin/nvcc" -std=c++20 -O3 --expt-relaxed-constexpr --extended-lambda -diag-suppress=2361 -DMLX_CUDA=1 \
    -gencode=arch=compute_90,code=sm_90 -I"$NV/include" -I"$ROOT/packages/native/src" -Xptxas -v \
    -c "$f" -o "/tmp/nvcc-check/$(basename "$f").o" 2>&1 | grep -E "error|warning|registers|spill|Compiling entry" | sed -E 's/ptxas info\s*: //' || true
done
