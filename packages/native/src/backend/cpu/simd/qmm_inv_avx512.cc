// AVX-512 row-invariant quantized matmul (see qmm_inv.h). It mirrors the two qmv_avx512.cc kernels:
//  - "blocked" (4-bit, group size 32/64/128: rows4 there): per 128-element block, 8 steps (4 for a half tail
//    block) of 16 lanes, lane d of step j holding element 8d + j; two FMA chains (steps alternate), summed and
//    multiplied by the per-lane group scales into `tot`; then the bias term as 16-group vectors; one reduction.
//  - "natural" (4/8-bit, other group sizes that are multiples of 32: rows_mb there): per group, steps of 16
//    consecutive elements alternating two FMA chains, their sum times the group scale into `tot`; the bias term
//    as a scalar running sum added after the reduction.
// Each weight row's codes are decoded once into a panel (floats, in the step/lane order the kernel consumes) with
// its scale vectors; the x rows are then swept in register tiles of NR weight rows x MB x rows whose running
// totals stay in registers for the whole row (a block's weight vectors are loaded once per tile row and reused
// by the MB x rows). The float ops applied to each (weight row, x row) pair are exactly those of the qmv kernel,
// in the same order. Group sizes with more than 8 steps per group fall back to an older tile that keeps the
// totals in L1.
#if defined(MLX_X86)
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "../../../engine/half.h"
#include "qmm_inv.h"

namespace mlx::cpu::qmm_inv {

namespace {

using qmv::Args;

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

inline __mmask16 first_n(int64_t n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1); }

// Geometry shared by every row of one matrix.
struct Geo {
  bool blocked;
  int64_t K, G;
  int64_t nblocks;   // blocks (blocked: 128-element blocks incl. a half tail; natural: groups)
  int64_t stride;    // floats of x / panel per block (blocked: 128; natural: gs)
  int steps_full;    // steps of 16 lanes per block (blocked: 8; natural: gs / 16)
  bool half;         // blocked: the last block is a half block (4 steps)
  int64_t qlen;      // panel floats of codes per row
  int64_t slen;      // panel floats of scales per row (blocked: 16 per block; natural: 1 per group)
};

Geo geometry(const Args& a, bool blocked) {
  Geo g;
  g.blocked = blocked;
  g.K = a.K;
  g.G = a.K / a.gs;
  if (blocked) {
    g.nblocks = (a.K + 127) / 128;
    g.stride = 128;
    g.steps_full = 8;
    g.half = a.K % 128 != 0 && a.K % 128 <= 64;
    g.qlen = g.nblocks * 128;
    g.slen = g.nblocks * 16;
  } else {
    g.nblocks = g.G;
    g.stride = a.gs;
    g.steps_full = a.gs / 16;
    g.half = false;
    g.qlen = a.K;
    g.slen = g.G;
  }
  return g;
}

// ---- panel decoding ----------------------------------------------------------------------------------------

// Blocked layout: the same loads, shifts and permutes as qmv's rows4_nr / block4 produce in registers.
template <typename S>
void decode_blocked(const Args& a, const Geo& g, int64_t n, float* q, float* sv) {
  const uint8_t* wr = a.w + n * a.ldw;
  const S* sr = static_cast<const S*>(a.scales) + n * a.lds;
  const int64_t nb = g.nblocks;
  const int64_t nfull = g.half ? nb - 1 : nb;
  const __mmask16 tail = first_n((a.K - (nb - 1) * 128) / 8);
  const int sh = a.gs == 32 ? 5 : a.gs == 64 ? 6 : 7;
  const int gpb = 128 / a.gs;
  const __m512i lanes = _mm512_setr_epi32(0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120);
  const __m512i sidx = _mm512_srli_epi32(lanes, sh);
  const __m512i sidx_half = _mm512_srli_epi32(_mm512_and_si512(lanes, _mm512_set1_epi32(56)), sh);
  const __m512 lut = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int64_t b = 0; b < nb; b++) {
    const bool is_half = b == nfull;  // only when g.half
    __m512i v;
    int steps = 8;
    if (is_half) {
      const __m512i t = _mm512_maskz_loadu_epi32(tail, wr + b * 64);
      v = _mm512_inserti64x4(t, _mm256_srli_epi32(_mm512_castsi512_si256(t), 16), 1);
      steps = 4;
    } else {
      const bool last = !g.half && b + 1 == nfull;
      v = last ? _mm512_maskz_loadu_epi32(tail, wr + b * 64) : _mm512_loadu_si512(wr + b * 64);
    }
    for (int j = 0; j < steps; j++)
      _mm512_storeu_ps(q + b * 128 + j * 16, _mm512_permutexvar_ps(j ? _mm512_srli_epi32(v, 4 * j) : v, lut));
    const int64_t g0 = b * gpb;
    const __m512 s = _mm512_permutexvar_ps(is_half ? sidx_half : sidx, load_s(sr + g0, first_n(std::min<int64_t>(gpb, g.G - g0))));
    _mm512_storeu_ps(sv + b * 16, s);
  }
}

// Natural layout: qmv's rows_mb unpacking (elements in order, 16 per vector).
template <int BITS, typename S>
void decode_natural(const Args& a, const Geo& g, int64_t n, float* q, float* sv) {
  const uint8_t* wr = a.w + n * a.ldw;
  const S* sr = static_cast<const S*>(a.scales) + n * a.lds;
  for (int64_t k = 0; k < a.K; k += 32) {
    const uint8_t* p = wr + k * BITS / 8;
    __m512 q0, q1;
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
    _mm512_storeu_ps(q + k, q0);
    _mm512_storeu_ps(q + k + 16, q1);
  }
  for (int64_t i = 0; i < g.G; i++) sv[i] = (float)sr[i];
}

// ---- register tile -----------------------------------------------------------------------------------------

// NR weight rows (panel rows qp/sp) x MB rows of x (xr: in the kernel's layout; xs: group sums).
template <int NR, int MB, bool BLOCKED, typename S>
inline void tile(const Args& a, const Geo& g, const float* const* qp, const float* const* sp, const S* const* br,
                 const float* const* xr, const float* const* xs, float* const* yr) {
  // The running totals live in L1 (touched once per block) so that the chain accumulators and the x vectors of
  // a step all fit in registers: 2 * NR * MB + MB + 1 <= 32.
  alignas(64) float totm[NR][MB][16];
  for (int i = 0; i < NR; i++)
    for (int r = 0; r < MB; r++) _mm512_store_ps(totm[i][r], _mm512_setzero_ps());
  const int64_t nb = g.nblocks;
  for (int64_t b = 0; b < nb; b++) {
    const int steps = g.half && b + 1 == nb ? 4 : g.steps_full;
    const int64_t off = b * g.stride;
    __m512 acc0[NR][MB], acc1[NR][MB];
    for (int i = 0; i < NR; i++)
      for (int r = 0; r < MB; r++) acc0[i][r] = _mm512_setzero_ps(), acc1[i][r] = _mm512_setzero_ps();
    for (int j = 0; j < steps; j += 2) {
      const int64_t o = off + j * 16;
      __m512 xv[MB];
      for (int r = 0; r < MB; r++) xv[r] = _mm512_loadu_ps(xr[r] + o);
      for (int i = 0; i < NR; i++) {
        const __m512 q = _mm512_loadu_ps(qp[i] + o);
        for (int r = 0; r < MB; r++) acc0[i][r] = _mm512_fmadd_ps(q, xv[r], acc0[i][r]);
      }
      for (int r = 0; r < MB; r++) xv[r] = _mm512_loadu_ps(xr[r] + o + 16);
      for (int i = 0; i < NR; i++) {
        const __m512 q = _mm512_loadu_ps(qp[i] + o + 16);
        for (int r = 0; r < MB; r++) acc1[i][r] = _mm512_fmadd_ps(q, xv[r], acc1[i][r]);
      }
    }
    for (int i = 0; i < NR; i++) {
      const __m512 s = BLOCKED ? _mm512_loadu_ps(sp[i] + b * 16) : _mm512_set1_ps(sp[i][b]);
      for (int r = 0; r < MB; r++) {
        const __m512 t = _mm512_load_ps(totm[i][r]);
        const __m512 sum = _mm512_add_ps(acc0[i][r], acc1[i][r]);
        _mm512_store_ps(totm[i][r], BLOCKED ? _mm512_fmadd_ps(sum, s, t) : _mm512_fmadd_ps(s, sum, t));
      }
    }
  }
  __m512 tot[NR][MB];
  for (int i = 0; i < NR; i++)
    for (int r = 0; r < MB; r++) tot[i][r] = _mm512_load_ps(totm[i][r]);
  if constexpr (BLOCKED) {
    for (int i = 0; i < NR; i++)
      for (int64_t gg = 0; gg < g.G; gg += 16) {
        const __mmask16 m = first_n(g.G - gg);
        const __m512 bv = load_s(br[i] + gg, m);
        for (int r = 0; r < MB; r++) tot[i][r] = _mm512_fmadd_ps(bv, _mm512_maskz_loadu_ps(m, xs[r] + gg), tot[i][r]);
      }
    for (int r = 0; r < MB; r++)
      for (int i = 0; i < NR; i++) yr[r][i] = _mm512_reduce_add_ps(tot[i][r]);
  } else {
    float bt[NR][MB];
    for (int i = 0; i < NR; i++)
      for (int r = 0; r < MB; r++) bt[i][r] = 0.0f;
    for (int64_t gg = 0; gg < g.G; gg++)
      for (int i = 0; i < NR; i++) {
        const float bb = (float)br[i][gg];
        // qmv's `bt += b * xs` is contracted to one FMA by the compiler; spelled out here so that vectorizing
        // this loop cannot split it into a multiply and an add.
        for (int r = 0; r < MB; r++) bt[i][r] = std::fma(bb, xs[r][gg], bt[i][r]);
      }
    for (int r = 0; r < MB; r++)
      for (int i = 0; i < NR; i++) yr[r][i] = _mm512_reduce_add_ps(tot[i][r]) + bt[i][r];
  }
}

template <int NR, int MB, bool BLOCKED, typename S>
inline void tile_at(const Args& a, const Geo& g, const float* panel_q, const float* panel_s, int64_t n, int64_t p,
                    int64_t m) {
  const float* qp[NR];
  const float* sp[NR];
  const S* br[NR];
  for (int i = 0; i < NR; i++) {
    qp[i] = panel_q + (p + i) * g.qlen;
    sp[i] = panel_s + (p + i) * g.slen;
    br[i] = static_cast<const S*>(a.biases) + (n + p + i) * a.lds;
  }
  const float* xr[MB];
  const float* xs[MB];
  float* yr[MB];
  for (int r = 0; r < MB; r++) {
    xr[r] = BLOCKED ? a.xp + (m + r) * a.ldxp : a.x + (m + r) * a.ldx;
    xs[r] = a.xsum + (m + r) * a.ldxs;
    yr[r] = a.y + (m + r) * a.ldy + n + p;
  }
  tile<NR, MB, BLOCKED, S>(a, g, qp, sp, br, xr, xs, yr);
}

template <int NR, bool BLOCKED, typename S>
inline void tile_m(const Args& a, const Geo& g, const float* pq, const float* ps, int64_t n, int64_t p, int64_t m,
                   int mb) {
  switch (mb) {
    case 1: tile_at<NR, 1, BLOCKED, S>(a, g, pq, ps, n, p, m); break;
    case 2: tile_at<NR, 2, BLOCKED, S>(a, g, pq, ps, n, p, m); break;
    case 3: tile_at<NR, 3, BLOCKED, S>(a, g, pq, ps, n, p, m); break;
    default: tile_at<NR, 4, BLOCKED, S>(a, g, pq, ps, n, p, m); break;
  }
}


// ---- register-resident tiles ------------------------------------------------------------------------------

// One block of NR weight rows (q: their decoded panel block, sv: their scale vectors) against MB x rows: the
// per-pair chains of qmv (steps alternate between two accumulators, their sum scaled into tot), with the
// running totals in registers. The weight row's STEPS vectors stay in registers while the x rows pass.
template <int NR, int MB, int STEPS, bool BLOCKED>
inline void block_pairs(const float* const* q, const __m512* sv, const float* const* x, __m512 (&tot)[NR][MB]) {
  static_assert(STEPS % 2 == 0, "two chains");
  for (int i = 0; i < NR; i++) {
    __m512 qv[STEPS];
    for (int j = 0; j < STEPS; j++) qv[j] = _mm512_load_ps(q[i] + j * 16);
    for (int r = 0; r < MB; r++) {
      __m512 a0 = _mm512_fmadd_ps(qv[0], _mm512_loadu_ps(x[r]), _mm512_setzero_ps());
      __m512 a1 = _mm512_fmadd_ps(qv[1], _mm512_loadu_ps(x[r] + 16), _mm512_setzero_ps());
      for (int j = 2; j < STEPS; j += 2) {
        a0 = _mm512_fmadd_ps(qv[j], _mm512_loadu_ps(x[r] + j * 16), a0);
        a1 = _mm512_fmadd_ps(qv[j + 1], _mm512_loadu_ps(x[r] + j * 16 + 16), a1);
      }
      const __m512 sum = _mm512_add_ps(a0, a1);
      tot[i][r] = BLOCKED ? _mm512_fmadd_ps(sum, sv[i], tot[i][r]) : _mm512_fmadd_ps(sv[i], sum, tot[i][r]);
    }
  }
}

// NR weight rows (panel rows p..p+NR) x MB x rows (m..m+MB): y for these pairs.
template <int NR, int MB, int STEPS, bool BLOCKED, typename S>
inline void tile_reg(const Args& a, const Geo& g, const float* pq, const float* ps, int64_t n, int64_t p, int64_t m,
                     const float* xsT) {
  __m512 tot[NR][MB];
  for (int i = 0; i < NR; i++)
    for (int r = 0; r < MB; r++) tot[i][r] = _mm512_setzero_ps();
  const float* qrow[NR];
  const float* srow[NR];
  for (int i = 0; i < NR; i++) qrow[i] = pq + (p + i) * g.qlen, srow[i] = ps + (p + i) * g.slen;
  const float* xrow[MB];
  for (int r = 0; r < MB; r++) xrow[r] = BLOCKED ? a.xp + (m + r) * a.ldxp : a.x + (m + r) * a.ldx;
  const int64_t nb = g.nblocks;
  const int64_t nfull = g.half ? nb - 1 : nb;
  for (int64_t b = 0; b < nfull; b++) {
    const float* q[NR];
    __m512 sv[NR];
    for (int i = 0; i < NR; i++) {
      q[i] = qrow[i] + b * g.stride;
      sv[i] = BLOCKED ? _mm512_load_ps(srow[i] + b * 16) : _mm512_set1_ps(srow[i][b]);
    }
    const float* x[MB];
    for (int r = 0; r < MB; r++) x[r] = xrow[r] + b * g.stride;
    block_pairs<NR, MB, STEPS, BLOCKED>(q, sv, x, tot);
  }
  if constexpr (BLOCKED && STEPS == 8) {
    if (g.half) {
      const float* q[NR];
      __m512 sv[NR];
      for (int i = 0; i < NR; i++) q[i] = qrow[i] + nfull * 128, sv[i] = _mm512_load_ps(srow[i] + nfull * 16);
      const float* x[MB];
      for (int r = 0; r < MB; r++) x[r] = xrow[r] + nfull * 128;
      block_pairs<NR, MB, 4, BLOCKED>(q, sv, x, tot);
    }
  }
  if constexpr (BLOCKED) {
    for (int i = 0; i < NR; i++) {
      const S* br = static_cast<const S*>(a.biases) + (n + p + i) * a.lds;
      for (int64_t gg = 0; gg < g.G; gg += 16) {
        const __mmask16 mk = first_n(g.G - gg);
        const __m512 bv = load_s(br + gg, mk);
        for (int r = 0; r < MB; r++)
          tot[i][r] = _mm512_fmadd_ps(bv, _mm512_maskz_loadu_ps(mk, a.xsum + (m + r) * a.ldxs + gg), tot[i][r]);
      }
    }
    for (int r = 0; r < MB; r++)
      for (int i = 0; i < NR; i++) a.y[(m + r) * a.ldy + n + p + i] = _mm512_reduce_add_ps(tot[i][r]);
  } else {
    // qmv's scalar running sum bt = fma(b, xsum, bt) per group, one lane per x row (xsT: group-major sums).
    const __mmask16 mk = first_n(MB);
    for (int i = 0; i < NR; i++) {
      const S* br = static_cast<const S*>(a.biases) + (n + p + i) * a.lds;
      __m512 bt = _mm512_setzero_ps();
      for (int64_t gg = 0; gg < g.G; gg++)
        bt = _mm512_fmadd_ps(_mm512_set1_ps((float)br[gg]), _mm512_maskz_loadu_ps(mk, xsT + gg * 64 + m), bt);
      alignas(64) float btv[16];
      _mm512_store_ps(btv, bt);
      for (int r = 0; r < MB; r++) a.y[(m + r) * a.ldy + n + p + i] = _mm512_reduce_add_ps(tot[i][r]) + btv[r];
    }
  }
}

template <int NR, int MBMAX, int STEPS, bool BLOCKED, typename S>
inline void tile_rm(const Args& a, const Geo& g, const float* pq, const float* ps, int64_t n, int64_t p, int64_t m,
                    int mb, const float* xsT) {
  if constexpr (MBMAX > 1) {
    if (mb < MBMAX) { tile_rm<NR, MBMAX - 1, STEPS, BLOCKED, S>(a, g, pq, ps, n, p, m, mb, xsT); return; }
  }
  tile_reg<NR, MBMAX, STEPS, BLOCKED, S>(a, g, pq, ps, n, p, m, xsT);
}

template <int NR, int MB, int STEPS, bool BLOCKED, typename S>
void sweep(const Args& a, const Geo& g, const float* pq, const float* ps, int64_t n, int64_t np, int64_t M,
           const float* xsT) {
  for (int64_t m = 0; m < M; m += MB) {
    const int mb = (int)std::min<int64_t>(MB, M - m);
    int64_t p = 0;
    for (; p + NR <= np; p += NR) tile_rm<NR, MB, STEPS, BLOCKED, S>(a, g, pq, ps, n, p, m, mb, xsT);
    if constexpr (NR > 1) {
      for (; p < np; p++) tile_rm<1, MB, STEPS, BLOCKED, S>(a, g, pq, ps, n, p, m, mb, xsT);
    }
  }
}


template <bool BLOCKED, int BITS, typename S>
void range(const Args& a, int64_t M, int64_t n0, int64_t n1, int64_t rows, float* scratch) {
  const Geo g = geometry(a, BLOCKED);
  float* pq = scratch;
  float* ps = scratch + rows * g.qlen;
  // Natural layout: group sums transposed (xsT[g * 64 + m]) so the bias term's scalar chains run one per lane.
  alignas(64) float xsT_buf[BLOCKED ? 1 : 64 * 64];
  float* xsT = nullptr;
  std::vector<float> xsT_big;
  if constexpr (!BLOCKED) {
    xsT = g.G <= 64 ? xsT_buf : (xsT_big.resize(g.G * 64 + 16), xsT_big.data());
    for (int64_t gg = 0; gg < g.G; gg++)
      for (int64_t m = 0; m < 64; m++) xsT[gg * 64 + m] = m < M ? a.xsum[m * a.ldxs + gg] : 0.0f;
  }
  for (int64_t n = n0; n < n1; n += rows) {
    const int64_t np = std::min<int64_t>(rows, n1 - n);
    for (int64_t p = 0; p < np; p++) {
      if constexpr (BLOCKED) decode_blocked<S>(a, g, n + p, pq + p * g.qlen, ps + p * g.slen);
      else decode_natural<BITS, S>(a, g, n + p, pq + p * g.qlen, ps + p * g.slen);
    }
    if constexpr (BLOCKED) {
      sweep<3, 6, 8, true, S>(a, g, pq, ps, n, np, M, xsT);
    } else {
      switch (g.steps_full) {
        case 2: sweep<4, 6, 2, false, S>(a, g, pq, ps, n, np, M, xsT); break;
        case 4: sweep<3, 6, 4, false, S>(a, g, pq, ps, n, np, M, xsT); break;
        case 8: sweep<3, 6, 8, false, S>(a, g, pq, ps, n, np, M, xsT); break;
        default:
          for (int64_t m = 0; m < M; m += 4) {
            const int mb = (int)std::min<int64_t>(4, M - m);
            int64_t p = 0;
            for (; p + 3 <= np; p += 3) tile_m<3, BLOCKED, S>(a, g, pq, ps, n, p, m, mb);
            if (np - p == 2) tile_m<2, BLOCKED, S>(a, g, pq, ps, n, p, m, mb);
            else if (np - p == 1) tile_m<1, BLOCKED, S>(a, g, pq, ps, n, p, m, mb);
          }
      }
    }
  }
}

template <bool BLOCKED, int BITS>
void range_s(const Args& a, int64_t M, int64_t n0, int64_t n1, int64_t np, float* scratch) {
  switch (a.sdt) {
    case Dtype::float16: range<BLOCKED, BITS, float16_t>(a, M, n0, n1, np, scratch); break;
    case Dtype::bfloat16: range<BLOCKED, BITS, bfloat16_t>(a, M, n0, n1, np, scratch); break;
    default: range<BLOCKED, BITS, float>(a, M, n0, n1, np, scratch); break;
  }
}

}  // namespace

RangeFn range_avx512(int bits, int gs) {
  // Must pick the same kernel family as qmv::rows_avx512 for (bits, gs).
  // Other widths and group sizes go to qmv::rows_bits_avx512, which has no tiled twin here (callers then run the
  // row kernel itself over all rows, which is invariant by construction).
  if (bits == 4 && (gs == 32 || gs == 64 || gs == 128)) return range_s<true, 4>;
  return nullptr;
}

}  // namespace mlx::cpu::qmm_inv
#endif
