#!/usr/bin/env bash
# On the GPU machine (repo root or anywhere): build bench/gpu/micro/qmv_pdl.cu with the toolkit's nvcc and
# run it for the bench's GEMV shape and its neighbours. Log: $OUT/qmv_pdl.log (or ./qmv_pdl.log).
# A run that dies (a faulting variant kills the CUDA context) is repeated without the bulk-prefetch rows.
set -uo pipefail
cd "$(dirname "$0")/../../.."
LOGF=${OUT:-$PWD}/qmv_pdl.log
NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
t0=$(date +%s)
"$NVCC" -O3 -std=c++20 -gencode=arch=compute_90,code=sm_90 -Xptxas -v bench/gpu/micro/qmv_pdl.cu -o /tmp/qmv_pdl 2> /tmp/qmv_pdl.ptxas || { cat /tmp/qmv_pdl.ptxas; exit 1; }
echo "build: $(( $(date +%s) - t0 ))s ($("$NVCC" --version | tail -1))" | tee "$LOGF"
# registers and spills of the ring kernels (this toolkit's ptxas, which may differ from others')
awk '/Compiling entry/ {name=$0} /spill/ {sp=$0} /Used/ && name ~ /qmv_ring/ {match(name, /qmv_ring_[a-z]*I[^E]*E(Li[0-9]+E)+(Lb[01]E)*(Li[0-9]+E)*/); print "ptxas", substr(name,RSTART,RLENGTH), $5, "regs", sp}' /tmp/qmv_pdl.ptxas | tee -a "$LOGF"
nvidia-smi --query-gpu=name,clocks.max.sm,clocks.max.mem --format=csv,noheader | tee -a "$LOGF"
# QMV_PDL_SHAPES: more shapes after the bench's, ';'-separated ("" = none)
IFS=';' read -ra SHAPES <<< "${QMV_PDL_SHAPES-4096 14336 64;14336 4096 32;14336 4096 128}"
for shape in "14336 4096 64" "${SHAPES[@]}"; do
  timeout 60 /tmp/qmv_pdl $shape 2>&1 | tee -a "$LOGF"
  rc=${PIPESTATUS[0]}
  if (( rc != 0 )); then
    echo "== rc=$rc: again without the pf3 rows" | tee -a "$LOGF"
    QMV_SKIP=${QMV_SKIP:-pf3} timeout 60 /tmp/qmv_pdl $shape 2>&1 | tee -a "$LOGF"
  fi
done
