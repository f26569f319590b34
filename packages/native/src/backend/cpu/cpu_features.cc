#include "cpu_features.h"

#include <cstdlib>
#include <cstring>

namespace mlx::cpu {

static Isa detect() {
  Isa best = Isa::generic;
#if defined(MLX_X86)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = Isa::avx2;
  if (best == Isa::avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    best = Isa::avx512;
#endif
  if (const char* e = std::getenv("MLX_CPU_ISA")) {
    Isa cap = !std::strcmp(e, "generic") ? Isa::generic : !std::strcmp(e, "avx2") ? Isa::avx2 : Isa::avx512;
    if ((int)cap < (int)best) best = cap;
  }
  return best;
}

Isa best_isa() {
  static const Isa isa = detect();
  return isa;
}

}  // namespace mlx::cpu
