// Reductions over an mma quad: the 4 consecutive lanes that hold one row of a fragment (lanes 4g..4g+3),
// in a fixed order, so every lane of the quad gets the same bits. CUDA headers only (the GEMV
// microbenchmark includes the kernels that use it).
#pragma once

namespace mlx::cu {

__device__ __forceinline__ float quad_sum(float v) {
  v += __shfl_xor_sync(0xffffffffu, v, 1);
  return v + __shfl_xor_sync(0xffffffffu, v, 2);
}
__device__ __forceinline__ float quad_max(float v) {
  v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 1));
  return fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 2));
}

}  // namespace mlx::cu
