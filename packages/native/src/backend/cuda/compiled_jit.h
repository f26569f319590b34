// Run-time compiled CUDA kernels: NVRTC -> cubin for this device's architecture, loaded with the
// runtime's library API (cudaLibraryLoadData), cached in memory by source and on disk by
// hash(source + architecture + NVRTC version + options).
//
// Disk cache: $MLX_CACHE_DIR/cuda-kernels, else ~/.cache/mlx-ts/cuda-kernels (one <hash>.cubin per
// kernel; MLX_CUDA_KERNEL_CACHE=0 turns it off). A missing, corrupt or unwritable cache only costs
// a recompile. MLX_CUDA_NVRTC_FLAGS adds NVRTC options (debugging, e.g. -lineinfo).
// Counters (mx.cuda.counters()): jit_nvrtc_compiles, jit_nvrtc_ms, jit_disk_hits, jit_disk_writes,
// jit_disk_errors (unreadable/corrupt entries), jit_disk_write_errors.
#pragma once
#include <cuda_runtime.h>

#include <string>

namespace mlx::cu {

// The kernel `name` (extern "C") of `source`, compiled once per process. NVRTC errors raise a
// typed error (MLX_INTERNAL) with the compiler log; nothing aborts.
cudaKernel_t jit_kernel(const std::string& source, const char* name);

}  // namespace mlx::cu
