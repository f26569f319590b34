// AVX-512 quantized matrix-vector kernels for 4- and 8-bit weights. A 32-element chunk of a row is
// unpacked to two 16-lane float vectors (4-bit: split nibbles, interleave them back into element order with
// byte unpacks, widen; 8-bit: widen bytes) and multiplied into per-row accumulators; each group's sum is then
// scaled once (see qmv.h).
#if defined(MLX_X86)
#include <immintrin.h>

#include "../../../engine/half.h"
#include "qmv.h"

namespace mlx::cpu::qmv {

namespace {

template <int BITS>
inline void unpack32(const uint8_t* p, __m512& q0, __m512& q1) {
  if constexpr (BITS == 4) {
    const __m128i m = _mm_set1_epi8(0x0F);
    __m128i v = _mm_loadu_si128((const __m128i*)p);
    __m128i lo = _mm_and_si128(v, m), hi = _mm_and_si128(_mm_srli_epi16(v, 4), m);
    q0 = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_unpacklo_epi8(lo, hi)));
    q1 = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_unpackhi_epi8(lo, hi)));
  } else {
    q0 = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i*)p)));
    q1 = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i*)(p + 16))));
  }
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
    if (n + 1 < n1) _mm_prefetch((const char*)(wr + a.ldw), _MM_HINT_T0);
    __m512 tot[MB];
    float bt[MB];
    for (int r = 0; r < MB; r++) tot[r] = _mm512_setzero_ps(), bt[r] = 0.0f;
    for (int64_t g = 0; g < G; g++) {
      __m512 acc0[MB], acc1[MB];
      for (int r = 0; r < MB; r++) acc0[r] = _mm512_setzero_ps(), acc1[r] = _mm512_setzero_ps();
      int64_t k = g * a.gs;
      for (int c = 0; c < chunks; c++, k += 32) {
        __m512 q0, q1;
        unpack32<BITS>(wr + k * BITS / 8, q0, q1);
        for (int r = 0; r < MB; r++) {
          acc0[r] = _mm512_fmadd_ps(q0, _mm512_loadu_ps(xr[r] + k), acc0[r]);
          acc1[r] = _mm512_fmadd_ps(q1, _mm512_loadu_ps(xr[r] + k + 16), acc1[r]);
        }
      }
      const __m512 s = _mm512_set1_ps((float)sr[g]);
      const float b = (float)br[g];
      for (int r = 0; r < MB; r++) {
        tot[r] = _mm512_fmadd_ps(s, _mm512_add_ps(acc0[r], acc1[r]), tot[r]);
        bt[r] += b * xs[r][g];
      }
    }
    for (int r = 0; r < MB; r++) a.y[(m0 + r) * a.ldy + n] = _mm512_reduce_add_ps(tot[r]) + bt[r];
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

RowsFn rows_avx512(int bits) {
  if (bits == 4) return rows<4>;
  if (bits == 8) return rows<8>;
  return nullptr;
}

}  // namespace mlx::cpu::qmv
#endif
