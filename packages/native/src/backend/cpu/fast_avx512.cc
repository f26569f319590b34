// mx.fast kernels compiled for AVX-512 (16-wide vectors, 4-vector register tiles).
#if defined(MLX_X86)
#define FAST_VBYTES 64
#define FAST_NV 4
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <immintrin.h>
#include <limits>

#include "fast_isa.h"
namespace mlx::cpu::fast_avx512_ns {
#include "fast_simd.h"
}
namespace mlx::cpu {
const FastKernels& fast_kernels_avx512() { return fast_avx512_ns::fsimd::table(); }
}  // namespace mlx::cpu
#endif
