// The float32 row kernels compiled for avx512.
#if defined(MLX_X86)
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "reduce_isa.h"
namespace mlx::cpu::avx512_ns {
#include "reduce_simd.h"
}

namespace mlx::cpu {
const ReduceRowKernels& reduce_kernels_avx512() {
  using namespace avx512_ns::rsimd;
  static const ReduceRowKernels k{sum_f32, minmax_f32<true>, minmax_f32<false>, softmax_f32, logsumexp_f32};
  return k;
}
}  // namespace mlx::cpu
#endif
