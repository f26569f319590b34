#!/usr/bin/env bash
# On the GPU machine after qmv_pdl.sh built /tmp/qmv_pdl: Nsight Compute sections for one variant's first
# (cold, single) launch. Usage: QMV_ONLY="ring r1 d2 xo1 t1" bash bench/gpu/micro/qmv_ncu.sh [N K gs]
NCU=${NCU:-$(command -v ncu || echo /usr/local/cuda/bin/ncu)}
"$NCU" --kernel-name regex:"${QMV_KERNEL:-qmv_ring}" --launch-count 1 --section SpeedOfLight --section MemoryWorkloadAnalysis \
  --section WarpStateStats --section Occupancy --section SchedulerStats --section LaunchStats /tmp/qmv_pdl "${@:-14336 4096 64}" 2>&1 |
  grep -vE "^\s*$|^==PROF==|-----" | cut -c1-150
