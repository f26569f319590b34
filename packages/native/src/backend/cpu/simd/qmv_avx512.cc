// AVX-512 quantized matrix-vector kernels for 4- and 8-bit weights.
// 4-bit (group size 32/64/128): a 64-byte block of a row (128 elements) is read as 16 dwords; nibble j of
// every dword (elements 8d + j) becomes a float vector with one shift and one vpermps against the table
// 0..15 (vpermps reads only the low 4 index bits, so no mask and no int->float conversion). x is re-laid
// out once per call to that order (xp[j*16 + d] = x[8d + j]), and lane d always belongs to group
// (128b + 8d) / gs, so group scales are applied per lane once per block and no reduction is needed until
// the end of the row. Four weight rows share each x load. This about halves the instructions per weight.
// Otherwise (8-bit, other group sizes) a 32-element chunk of a row is unpacked to two 16-lane float vectors
// (4-bit: split nibbles, interleave them back into element order with byte unpacks, widen; 8-bit: widen
// bytes) and multiplied into per-row accumulators; each group's sum is then scaled once (see qmv.h).
#if defined(MLX_X86)
#include <immintrin.h>

#include <algorithm>
#include <type_traits>

#include "../../../engine/half.h"
#include "qmv.h"
#include "qdeq.h"
#include "qmv_avx512_util.h"

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
    // Row n + 8 streams in while this row is computed (one prefetch per 32-element chunk covers the row).
    const uint8_t* pf = n + 8 < n1 ? wr + 8 * a.ldw : nullptr;
    __m512 tot[MB];
    float bt[MB];
    for (int r = 0; r < MB; r++) tot[r] = _mm512_setzero_ps(), bt[r] = 0.0f;
    for (int64_t g = 0; g < G; g++) {
      __m512 acc0[MB], acc1[MB];
      for (int r = 0; r < MB; r++) acc0[r] = _mm512_setzero_ps(), acc1[r] = _mm512_setzero_ps();
      int64_t k = g * a.gs;
      for (int c = 0; c < chunks; c++, k += 32) {
        __m512 q0, q1;
        if (pf) _mm_prefetch((const char*)(pf + k * BITS / 8), _MM_HINT_T0);
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

// A last block of at most 64 elements (K % 128 in (0, 64]) is a "half" block: its 8 dwords are spread
// over 16 lanes (lane d < 8: nibbles 0..3 of dword d; lane d + 8: nibbles 4..7) so it takes 4 steps, not 8.
inline bool half_tail(int64_t K) { return K % 128 != 0 && K % 128 <= 64; }

// x row -> the 4-bit kernel's order: per 128-element block, xp[j*16 + d] = x[8d + j] (half block:
// x[8(d & 7) + 4(d >> 3) + j] for j < 4); zeros past K.
void prep4(const float* x, int64_t K, float* xp) {
  const int64_t L = xp_len(K);
  const bool half = half_tail(K);
  for (int64_t b = 0; b < L; b += 128) {
    const bool h = half && b + 128 == L;
    for (int d = 0; d < 16; d++)
      for (int j = 0; j < 8; j++) {
        const int64_t k = h ? (j < 4 ? b + 8 * (d & 7) + 4 * (d >> 3) + j : K) : b + 8 * d + j;
        xp[b + j * 16 + d] = k < K ? x[k] : 0.0f;
      }
  }
}

// One block of NR weight rows (v: their dwords) against MB rows of x (xb: the block's xp), STEPS nibble
// steps; the per-lane group sums are scaled (sidx: lane -> group within the block) into tot.
template <int NR, int MB, int STEPS, typename S>
inline void block4(const __m512i* v, const float* const* xb, const S* const* sr, int64_t g0, __mmask16 gm,
                   const __m512 lut, const __m512i sidx, __m512 (*tot)[MB]) {
  // Two independent FMA chains per (row, x row) whatever NR and MB are: a row's sums must not depend on how many
  // rows share the call (continuous batching; quantized_mm.cc computes the same sums for many rows).
  constexpr int CH = 2;
  __m512 acc[NR][MB][CH];
  for (int i = 0; i < NR; i++)
    for (int r = 0; r < MB; r++)
      for (int c = 0; c < CH; c++) acc[i][r][c] = _mm512_setzero_ps();
  for (int j = 0; j < STEPS; j++) {
    __m512 xv[MB];
    for (int r = 0; r < MB; r++) xv[r] = _mm512_loadu_ps(xb[r] + j * 16);
    for (int i = 0; i < NR; i++) {
      const __m512 q = _mm512_permutexvar_ps(j ? _mm512_srli_epi32(v[i], 4 * j) : v[i], lut);
      for (int r = 0; r < MB; r++) acc[i][r][j % CH] = _mm512_fmadd_ps(q, xv[r], acc[i][r][j % CH]);
    }
  }
  for (int i = 0; i < NR; i++) {
    const __m512 sv = _mm512_permutexvar_ps(sidx, load_s(sr[i] + g0, gm));
    for (int r = 0; r < MB; r++) {
      __m512 s = acc[i][r][0];
      for (int c = 1; c < CH; c++) s = _mm512_add_ps(s, acc[i][r][c]);
      tot[i][r] = _mm512_fmadd_ps(s, sv, tot[i][r]);
    }
  }
}

struct Blocks {
  int64_t nfull;     // full 128-element blocks (the last one masked by `tail` when it is partial but > 64)
  bool half;         // then one half block
  __mmask16 tail;    // dwords of the last block
  __m512i sidx, sidx_half;
};

// NR weight rows at once (they share every x load), MB rows of x.
template <int NR, int MB, typename S>
inline void rows4_nr(const Args& a, int64_t n, int64_t n_end, const float* const* xr, const float* const* xs,
                     const __m512 lut, const Blocks& bl) {
  const int64_t G = a.K / a.gs;
  const int gpb = 128 / a.gs;  // groups per block
  const uint8_t* wr[NR];
  const S* sr[NR];
  __m512 tot[NR][MB];
  for (int i = 0; i < NR; i++) {
    wr[i] = a.w + (n + i) * a.ldw;
    sr[i] = static_cast<const S*>(a.scales) + (n + i) * a.lds;
    for (int r = 0; r < MB; r++) tot[i][r] = _mm512_setzero_ps();
  }
  const float* xb[MB];
  const int pg = MB == 1 ? pf_groups() : 2;  // several x rows: weights are reused, the old distance
  const int64_t pf_off = pg * NR * a.ldw;
  const bool pf_ok = n + (pg + 1) * NR <= n_end;
  int64_t b = 0;
  for (; b < bl.nfull; b++) {
    __m512i v[NR];
    const bool last = !bl.half && b + 1 == bl.nfull;
    // The weight rows of the group of rows after next, so the interleaved row streams stay ahead of use.
    if (pf_ok)
      for (int i = 0; i < NR; i++) _mm_prefetch((const char*)(wr[i] + pf_off + b * 64), _MM_HINT_T0);
    for (int i = 0; i < NR; i++)
      v[i] = last ? _mm512_maskz_loadu_epi32(bl.tail, wr[i] + b * 64) : _mm512_loadu_si512(wr[i] + b * 64);
    for (int r = 0; r < MB; r++) xb[r] = xr[r] + b * 128;
    const int64_t g0 = b * gpb;
    block4<NR, MB, 8, S>(v, xb, sr, g0, first_n(std::min<int64_t>(gpb, G - g0)), lut, bl.sidx, tot);
  }
  if (bl.half) {
    __m512i v[NR];
    for (int i = 0; i < NR; i++) {
      const __m512i t = _mm512_maskz_loadu_epi32(bl.tail, wr[i] + b * 64);
      v[i] = _mm512_inserti64x4(t, _mm256_srli_epi32(_mm512_castsi512_si256(t), 16), 1);
    }
    for (int r = 0; r < MB; r++) xb[r] = xr[r] + b * 128;
    const int64_t g0 = b * gpb;
    block4<NR, MB, 4, S>(v, xb, sr, g0, first_n(std::min<int64_t>(gpb, G - g0)), lut, bl.sidx_half, tot);
  }
  // Bias term: sum_g bias[g] * xsum[g].
  for (int i = 0; i < NR; i++) {
    const S* br = static_cast<const S*>(a.biases) + (n + i) * a.lds;
    for (int64_t g = 0; g < G; g += 16) {
      const __mmask16 m = first_n(G - g);
      const __m512 bv = load_s(br + g, m);
      for (int r = 0; r < MB; r++) tot[i][r] = _mm512_fmadd_ps(bv, _mm512_maskz_loadu_ps(m, xs[r] + g), tot[i][r]);
    }
  }
  for (int r = 0; r < MB; r++)
    for (int i = 0; i < NR; i++) a.y[r * a.ldy + n + i] = _mm512_reduce_add_ps(tot[i][r]);
}

template <int MB, typename S>
void rows4_mb(const Args& a, int64_t n0, int64_t n1, int64_t m0) {
  constexpr int NR = MB == 1 ? 4 : MB == 2 ? 2 : 1;
  const int64_t K = a.K;
  const int64_t nb = (K + 127) / 128;
  Blocks bl;
  bl.half = half_tail(K);
  bl.nfull = bl.half ? nb - 1 : nb;
  bl.tail = first_n((K - (nb - 1) * 128) / 8);
  const int sh = a.gs == 32 ? 5 : a.gs == 64 ? 6 : 7;
  // Lane d of a block holds elements 8d .. 8d+7, so its group is 8d / gs; in a half block 8(d & 7) / gs.
  const __m512i lanes = _mm512_setr_epi32(0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120);
  bl.sidx = _mm512_srli_epi32(lanes, sh);
  bl.sidx_half = _mm512_srli_epi32(_mm512_and_si512(lanes, _mm512_set1_epi32(56)), sh);
  const __m512 lut = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const float* xr[MB];
  const float* xs[MB];
  for (int r = 0; r < MB; r++) xr[r] = a.xp + (m0 + r) * a.ldxp, xs[r] = a.xsum + (m0 + r) * a.ldxs;
  Args ao = a;
  ao.y = a.y + m0 * a.ldy;
  int64_t n = n0;
  for (; n + NR <= n1; n += NR) rows4_nr<NR, MB, S>(ao, n, n1, xr, xs, lut, bl);
  for (; n < n1; n++) rows4_nr<1, MB, S>(ao, n, n1, xr, xs, lut, bl);
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

template <typename S>
void rows4_t(const Args& a, int64_t n0, int64_t n1, int64_t m0, int mb) {
  switch (mb) {
    case 1: rows4_mb<1, S>(a, n0, n1, m0); break;
    case 2: rows4_mb<2, S>(a, n0, n1, m0); break;
    case 3: rows4_mb<3, S>(a, n0, n1, m0); break;
    default: rows4_mb<4, S>(a, n0, n1, m0); break;
  }
}

void rows4(const Args& a, int64_t n0, int64_t n1, int64_t m0, int mb) {
  switch (a.sdt) {
    case Dtype::float16: rows4_t<float16_t>(a, n0, n1, m0, mb); break;
    case Dtype::bfloat16: rows4_t<bfloat16_t>(a, n0, n1, m0, mb); break;
    default: rows4_t<float>(a, n0, n1, m0, mb); break;
  }
}

}  // namespace

RowsFn rows_avx512(int bits, int gs, PrepFn* prep) {
  *prep = nullptr;
  if (bits == 4 && (gs == 32 || gs == 64 || gs == 128)) {
    *prep = prep4;
    return rows4;
  }
  if (bits == 4) return rows<4>;
  if (bits == 8) return rows<8>;
  return nullptr;
}

DeqFn deq_avx512() { return deq_panel_avx512; }

}  // namespace mlx::cpu::qmv
#endif
