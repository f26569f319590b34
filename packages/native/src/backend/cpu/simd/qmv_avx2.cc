// AVX2 quantized matrix-vector kernels for 4- and 8-bit weights: as qmv_avx512.cc with 8-lane vectors
// (a 32-element chunk becomes four float vectors; groups of 16 are one half chunk).
#if defined(MLX_X86)
#include <immintrin.h>

#include "../../../engine/half.h"
#include "qmv.h"
#include "qdeq.h"

namespace mlx::cpu::qmv {

namespace {

inline __m256 widen8(__m128i v) { return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(v)); }

template <int BITS>
inline void unpack32(const uint8_t* p, __m256 q[4]) {
  __m128i e0, e1;
  if constexpr (BITS == 4) {
    const __m128i m = _mm_set1_epi8(0x0F);
    __m128i v = _mm_loadu_si128((const __m128i*)p);
    __m128i lo = _mm_and_si128(v, m), hi = _mm_and_si128(_mm_srli_epi16(v, 4), m);
    e0 = _mm_unpacklo_epi8(lo, hi), e1 = _mm_unpackhi_epi8(lo, hi);
  } else {
    e0 = _mm_loadu_si128((const __m128i*)p), e1 = _mm_loadu_si128((const __m128i*)(p + 16));
  }
  q[0] = widen8(e0), q[1] = widen8(_mm_srli_si128(e0, 8));
  q[2] = widen8(e1), q[3] = widen8(_mm_srli_si128(e1, 8));
}

// 16 elements (a group of 16, as GGUF Q6_K's sub-blocks) into two float vectors.
template <int BITS>
inline void unpack16(const uint8_t* p, __m256 q[2]) {
  __m128i e;
  if constexpr (BITS == 4) {
    const __m128i m = _mm_set1_epi8(0x0F);
    __m128i v = _mm_loadl_epi64((const __m128i*)p);
    e = _mm_unpacklo_epi8(_mm_and_si128(v, m), _mm_and_si128(_mm_srli_epi16(v, 4), m));
  } else {
    e = _mm_loadu_si128((const __m128i*)p);
  }
  q[0] = widen8(e), q[1] = widen8(_mm_srli_si128(e, 8));
}

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <int MB, int BITS, typename S>
void rows_mb(const Args& a, int64_t n0, int64_t n1, int64_t m0) {
  const int64_t G = a.K / a.gs;
  const int chunks = a.gs / 32;
  const float* xr[MB];
  const float* xs[MB];
  for (int r = 0; r < MB; r++) xr[r] = a.x + (m0 + r) * a.ldx, xs[r] = a.xsum + (m0 + r) * a.ldxs;
  for (int64_t n = n0; n < n1; n++) {
    const uint8_t* wr = a.w + n * a.ldw;
    const S* sr = static_cast<const S*>(a.scales) + n * a.lds;
    const S* br = static_cast<const S*>(a.biases) + n * a.lds;
    __m256 tot[MB];
    float bt[MB];
    for (int r = 0; r < MB; r++) tot[r] = _mm256_setzero_ps(), bt[r] = 0.0f;
    for (int64_t g = 0; g < G; g++) {
      __m256 acc0[MB], acc1[MB];
      for (int r = 0; r < MB; r++) acc0[r] = _mm256_setzero_ps(), acc1[r] = _mm256_setzero_ps();
      int64_t k = g * a.gs;
      for (int c = 0; c < chunks; c++, k += 32) {
        __m256 q[4];
        unpack32<BITS>(wr + k * BITS / 8, q);
        for (int r = 0; r < MB; r++) {
          acc0[r] = _mm256_fmadd_ps(q[0], _mm256_loadu_ps(xr[r] + k), acc0[r]);
          acc1[r] = _mm256_fmadd_ps(q[1], _mm256_loadu_ps(xr[r] + k + 8), acc1[r]);
          acc0[r] = _mm256_fmadd_ps(q[2], _mm256_loadu_ps(xr[r] + k + 16), acc0[r]);
          acc1[r] = _mm256_fmadd_ps(q[3], _mm256_loadu_ps(xr[r] + k + 24), acc1[r]);
        }
      }
      if (a.gs == 16) {
        __m256 q[2];
        unpack16<BITS>(wr + k * BITS / 8, q);
        for (int r = 0; r < MB; r++) {
          acc0[r] = _mm256_fmadd_ps(q[0], _mm256_loadu_ps(xr[r] + k), acc0[r]);
          acc1[r] = _mm256_fmadd_ps(q[1], _mm256_loadu_ps(xr[r] + k + 8), acc1[r]);
        }
      }
      const __m256 s = _mm256_set1_ps((float)sr[g]);
      const float b = (float)br[g];
      for (int r = 0; r < MB; r++) {
        tot[r] = _mm256_fmadd_ps(s, _mm256_add_ps(acc0[r], acc1[r]), tot[r]);
        bt[r] += b * xs[r][g];
      }
    }
    for (int r = 0; r < MB; r++) a.y[(m0 + r) * a.ldy + n] = hsum(tot[r]) + bt[r];
  }
}

template <int BITS, typename S>
void rows_t(const Args& a, int64_t n0, int64_t n1, int64_t m0, int mb) {
  switch (mb) {
    case 1: rows_mb<1, BITS, S>(a, n0, n1, m0); break;
    case 2: rows_mb<2, BITS, S>(a, n0, n1, m0); break;
    case 3: rows_mb<3, BITS, S>(a, n0, n1, m0); break;
    default: rows_mb<4, BITS, S>(a, n0, n1, m0); break;
  }
}

template <int BITS>
void rows(const Args& a, int64_t n0, int64_t n1, int64_t m0, int mb) {
  switch (a.sdt) {
    case Dtype::float16: rows_t<BITS, float16_t>(a, n0, n1, m0, mb); break;
    case Dtype::bfloat16: rows_t<BITS, bfloat16_t>(a, n0, n1, m0, mb); break;
    default: rows_t<BITS, float>(a, n0, n1, m0, mb); break;
  }
}

}  // namespace

RowsFn rows_avx2(int bits) {
  if (bits == 4) return rows<4>;
  if (bits == 8) return rows<8>;
  return nullptr;
}

DeqFn deq_avx2() { return deq_panel; }

}  // namespace mlx::cpu::qmv
#endif
