// mx.fast kernels compiled for AVX2/FMA (8-wide vectors, 2-vector register tiles).
#if defined(MLX_X86)
#define FAST_VBYTES 32
#define FAST_NV 2
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <immintrin.h>
#include <limits>

#include "fast_isa.h"
namespace mlx::cpu::fast_avx2_ns {
#include "fast_simd.h"
}
namespace mlx::cpu {
const FastKernels& fast_kernels_avx2() { return fast_avx2_ns::fsimd::table(); }
}  // namespace mlx::cpu
#endif
