#!/usr/bin/env bash
# On the GPU machine: finds cuDNN (PyTorch's wheel) + the frontend headers, builds attn_cudnn_micro
# and runs it, then PyTorch's times for the same cases. FE_INC: cudnn_frontend include folder.
set -uo pipefail
cd "$(dirname "$0")/../../.."
FE_INC=${FE_INC:-$PWD/.gpu-attn/cudnn-frontend/include}
CUDNN=$(python3 -c "import nvidia.cudnn as m, os; print(list(m.__path__)[0])")
echo "cudnn dir: $CUDNN"; ls "$CUDNN" "$CUDNN/include" 2>&1 | head -30; ls "$CUDNN/lib"
grep -m3 -E "define CUDNN_(MAJOR|MINOR|PATCHLEVEL)" "$CUDNN/include/cudnn_version.h"
ls "$CUDNN/../cu13/lib" 2>/dev/null | head -30
which nvcc; nvcc --version | tail -2
B=/tmp/attn-micro; mkdir -p $B
t0=$(date +%s)
g++ -std=c++20 -O2 -fPIC -c packages/native/src/backend/cuda/attention_cudnn.cc -I/usr/local/cuda/include \
  -I"$CUDNN/include" -I"$FE_INC" -DMLX_CUDNN_LIB_DIR="\"$CUDNN/lib\"" -o $B/ac.o || exit 1
nvcc -std=c++20 -O2 -gencode=arch=compute_90,code=sm_90 bench/gpu/micro/attn_cudnn_micro.cu $B/ac.o -ldl -o $B/micro || exit 1
echo "build: $(( $(date +%s) - t0 ))s"
$B/micro
python3 bench/gpu/micro/attn_torch_cases.py
