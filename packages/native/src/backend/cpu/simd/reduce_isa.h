// Per-ISA entry points of the float32 row kernels (simd/reduce_simd.h compiled per ISA).
#pragma once
#include <cstdint>

namespace mlx::cpu {

struct ReduceRowKernels {
  float (*sum)(const float*, int64_t);
  float (*max)(const float*, int64_t);
  float (*min)(const float*, int64_t);
  void (*softmax)(const float*, float*, int64_t);
  float (*logsumexp)(const float*, int64_t);
};

#if defined(MLX_X86)
const ReduceRowKernels& reduce_kernels_avx2();
const ReduceRowKernels& reduce_kernels_avx512();
#endif
const ReduceRowKernels& reduce_kernels();  // the best for this machine

}  // namespace mlx::cpu
