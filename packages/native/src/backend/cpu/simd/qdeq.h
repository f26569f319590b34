// Dequantization of a panel of packed weight rows to f32 (out[r*K + k] = scale * q + bias), written as plain
// loops that each including file compiles (and vectorises) for its own instruction set. Used by the tiled
// quantized matmul: a panel is decoded once into cache and then multiplied with every row of x.
#pragma once
#include <cstdint>
#include <cstring>

#include "../../../engine/half.h"
#include "qmv.h"
#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace mlx::cpu::qmv {
namespace {  // internal linkage: one copy per ISA file

inline float deq_scalar(const void* p, Dtype dt, int64_t i) {
  switch (dt) {
    case Dtype::float16: return half_to_float(static_cast<const uint16_t*>(p)[i]);
    case Dtype::bfloat16: return bf16_to_float(static_cast<const uint16_t*>(p)[i]);
    default: return static_cast<const float*>(p)[i];
  }
}

// gs elements of one group (gs a multiple of 8) to codes.
template <int BITS>
inline void deq_unpack(const uint8_t* __restrict w, int gs, uint8_t* __restrict q) {
  if constexpr (BITS == 8) {
    std::memcpy(q, w, gs);
  } else if constexpr (BITS == 4) {
    for (int i = 0; i < gs / 2; i++) q[2 * i] = w[i] & 15, q[2 * i + 1] = w[i] >> 4;
  } else if constexpr (BITS == 2) {
    for (int i = 0; i < gs / 4; i++)
      q[4 * i] = w[i] & 3, q[4 * i + 1] = (w[i] >> 2) & 3, q[4 * i + 2] = (w[i] >> 4) & 3, q[4 * i + 3] = w[i] >> 6;
  } else {
    constexpr uint64_t mask = (uint64_t(1) << BITS) - 1;
    for (int i = 0; i < gs; i += 8, w += BITS) {
      uint64_t v = 0;
      std::memcpy(&v, w, BITS);
      for (int j = 0; j < 8; j++) q[i + j] = uint8_t((v >> (j * BITS)) & mask);
    }
  }
}

#if defined(__AVX2__)
// 32 codes of a 4- or 8-bit group from p, as two vectors of 16 bytes in element order.
template <int BITS>
inline void deq_bytes32(const uint8_t* p, __m128i& e0, __m128i& e1) {
  if constexpr (BITS == 4) {
    const __m128i m = _mm_set1_epi8(0x0F);
    const __m128i v = _mm_loadu_si128((const __m128i*)p);
    const __m128i lo = _mm_and_si128(v, m), hi = _mm_and_si128(_mm_srli_epi16(v, 4), m);
    e0 = _mm_unpacklo_epi8(lo, hi), e1 = _mm_unpackhi_epi8(lo, hi);
  } else {
    e0 = _mm_loadu_si128((const __m128i*)p), e1 = _mm_loadu_si128((const __m128i*)(p + 16));
  }
}

// One group of 4- or 8-bit codes (gs a multiple of 32): o = s * q + b.
template <int BITS>
inline void deq_group_simd(const uint8_t* w, int gs, float s, float b, float* o) {
#if defined(__AVX512F__)
  const __m512 vs = _mm512_set1_ps(s), vb = _mm512_set1_ps(b);
  for (int j = 0; j < gs; j += 32, w += 32 * BITS / 8) {
    __m128i e0, e1;
    deq_bytes32<BITS>(w, e0, e1);
    _mm512_storeu_ps(o + j, _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(e0)), vs, vb));
    _mm512_storeu_ps(o + j + 16, _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(e1)), vs, vb));
  }
#else
  const __m256 vs = _mm256_set1_ps(s), vb = _mm256_set1_ps(b);
  auto put8 = [&](__m128i e, float* d) {
    _mm256_storeu_ps(d, _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(e)), vs, vb));
  };
  for (int j = 0; j < gs; j += 32, w += 32 * BITS / 8) {
    __m128i e0, e1;
    deq_bytes32<BITS>(w, e0, e1);
    put8(e0, o + j), put8(_mm_srli_si128(e0, 8), o + j + 8);
    put8(e1, o + j + 16), put8(_mm_srli_si128(e1, 8), o + j + 24);
  }
#endif
}
#endif

template <int BITS>
void deq_panel_bits(const DeqArgs& a, int64_t r0, int64_t r1, float* __restrict out) {
  const int gs = a.gs;
  const int64_t G = a.K / gs, gbytes = (int64_t)gs * BITS / 8;
  alignas(64) uint8_t q[256];
  for (int64_t r = r0; r < r1; r++) {
    const uint8_t* wr = a.w + r * a.ldw;
    float* o = out + (r - r0) * a.K;
    for (int64_t g = 0; g < G; g++, o += gs) {
      deq_unpack<BITS>(wr + g * gbytes, gs, q);
      const float s = deq_scalar(a.scales, a.sdt, r * a.lds + g), b = deq_scalar(a.biases, a.sdt, r * a.lds + g);
#if defined(__AVX2__)
      if constexpr (BITS == 4 || BITS == 8)
        if (gs % 32 == 0) {
          deq_group_simd<BITS>(wr + g * gbytes, gs, s, b, o);
          continue;
        }
#endif
      for (int j = 0; j < gs; j++) o[j] = s * (float)q[j] + b;
    }
  }
}

void deq_panel(const DeqArgs& a, int64_t r0, int64_t r1, float* out) {
  switch (a.bits) {
    case 2: return deq_panel_bits<2>(a, r0, r1, out);
    case 3: return deq_panel_bits<3>(a, r0, r1, out);
    case 4: return deq_panel_bits<4>(a, r0, r1, out);
    case 5: return deq_panel_bits<5>(a, r0, r1, out);
    case 6: return deq_panel_bits<6>(a, r0, r1, out);
    case 8: return deq_panel_bits<8>(a, r0, r1, out);
    default: return deq_panel_bits<1>(a, r0, r1, out);
  }
}

}  // namespace
}  // namespace mlx::cpu::qmv
