#!/usr/bin/env bash
# Profiling extras for one lent GPU call (after run-all.sh built the addon): ncu on the attention and
# qmv kernels, flash-attention block shapes, and the decode step's time split. Appends to $OUT/summary.txt.
set -uo pipefail
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT/logs"
NCU=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu /usr/local/cuda/bin/ncu 2>/dev/null | head -1)
if [[ -n $NCU ]]; then
  timeout 200 "$NCU" --clock-control none -k "regex:${NCU_KERNELS:-qmv|flash_kernel|decode_kernel}" -c ${NCU_COUNT:-6} --section SpeedOfLight \
    --section Occupancy --section LaunchStats --section WarpStateStats --section MemoryWorkloadAnalysis \
    node bench/gpu/profile.mjs kernels > "$OUT/logs/ncu.txt" 2>&1
  grep -E '^\s+[a-z_:0-9<>, ]*(qmv|flash_kernel|decode_kernel)|Duration|Compute \(SM\) Throughput|Memory Throughput|DRAM Throughput|Achieved Occupancy|Registers Per|Theoretical Occupancy|Block Limit' "$OUT/logs/ncu.txt" | cut -c1-150 | head -80 | tee -a "$OUT/summary.txt"
fi
for w in ${FLASH_WARPS:-4 8}; do  # 4: the default (4 warps x 2 m-tiles), 8: 8 warps x 1 MLX_CUDA_FLASH_WARPS=$w timeout 120 node bench/gpu/profile.mjs attn 2>&1 | tail -2 | tee -a "$OUT/summary.txt"; done
timeout 120 node bench/gpu/profile.mjs decode 2>&1 | tail -2 | tee -a "$OUT/summary.txt"
