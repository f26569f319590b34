// AVX-512 helpers shared by the qmv kernels (qmv_avx512.cc, qmv_bits_avx512.cc); include only from files compiled
// with AVX-512 enabled.
#pragma once
#if defined(MLX_X86)
#include <immintrin.h>

#include <cstdint>
#include <cstdlib>
#include <type_traits>

#include "../../../engine/half.h"

namespace mlx::cpu::qmv {

// Up to 16 scale/bias values as floats (masked lanes 0).
template <typename S>
inline __m512 load_s(const S* p, __mmask16 m) {
  if constexpr (std::is_same_v<S, float>) {
    return _mm512_maskz_loadu_ps(m, p);
  } else if constexpr (std::is_same_v<S, float16_t>) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
  } else {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p)), 16));
  }
}

// How many groups of weight rows ahead the one-x-row kernels prefetch (MLX_QMV_PF_GROUPS, default 4): weights stream from
// L3/DRAM in a decode step, and two groups (~100 ns of work) did not cover the latency.
inline int pf_groups() {
  static const int g = [] {
    const char* e = std::getenv("MLX_QMV_PF_GROUPS");
    const int v = e ? std::atoi(e) : 4;
    return v < 1 ? 1 : v;
  }();
  return g;
}

inline __mmask16 first_n(int64_t n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1); }

}  // namespace mlx::cpu::qmv
#endif
