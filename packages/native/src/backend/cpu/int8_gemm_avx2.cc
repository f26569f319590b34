// int8 GEMM, portable loops compiled for AVX2 (the dot products vectorize to vpmaddwd).
#if defined(MLX_X86)
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "../../engine/threadpool.h"
#include "int8_gemm.h"

namespace mlx::cpu::int8gemm {
namespace avx2_ns {
#include "int8_gemm_portable.h"
}
void run_avx2(const Args& a) { avx2_ns::run_portable(a); }
}  // namespace mlx::cpu::int8gemm
#endif
