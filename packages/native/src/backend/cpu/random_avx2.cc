// AVX2+FMA build of the normal sampler's inner loop: the same scalar code as random.cc, but here
// std::fma compiles to vfmadd instead of a libm call. Results are identical (fma is exact).
#include <algorithm>
#include <cmath>
#include <cstdint>

#pragma GCC optimize("fp-contract=off")

namespace mlx::cpu {
namespace {
#include "random_erfinv.inc"
}  // namespace

void erfinv_sym_avx2(const uint32_t* b, float* out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = erfinv_f(sym_unit(b[i]));
}

}  // namespace mlx::cpu
