// AVX-512 quantized matrix-vector kernels for 2, 3, 4, 5, 6 and 8-bit weights with groups of 16·k elements
// (GGUF Q6_K is 16, Q5_0/Q8_0 32). 16 consecutive elements of a row occupy 2·bits whole bytes; they become
// one float vector: 8 bits by widening the bytes; other widths by broadcasting those bytes to the four
// 128-bit lanes, a byte shuffle that puts the two bytes holding element j into dword j, a per-lane variable
// shift and a mask. Four weight rows share each x load (one x row); each group's products are summed per
// lane and scaled once (the scale broadcast from a small buffer filled 16 groups at a time), the bias term
// uses the group sums of x (qmv.h), and lanes are reduced once per row.
#if defined(MLX_X86)
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "../../../engine/half.h"
#include "qmv.h"
#include "qdeq.h"
#include "qmv_avx512_util.h"

namespace mlx::cpu::qmv {

namespace {

template <int B>
struct Unpack16 {
  __m512i idx, shift, mask;
  __mmask16 bytes;  // the 2·B bytes of 16 elements (masked load: never reads past the row)
  Unpack16() {
    alignas(64) int8_t id[64];
    alignas(64) int32_t sh[16];
    for (int j = 0; j < 16; j++) {
      const int bit = j * B, byte = bit / 8, pos = (j / 4) * 16 + (j % 4) * 4;
      id[pos] = (int8_t)byte;
      id[pos + 1] = byte + 1 < 2 * B ? (int8_t)(byte + 1) : (int8_t)-128;  // -128: zero
      id[pos + 2] = id[pos + 3] = (int8_t)-128;
      sh[j] = bit % 8;
    }
    idx = _mm512_load_si512(id);
    shift = _mm512_load_si512(sh);
    mask = _mm512_set1_epi32((1 << B) - 1);
    bytes = (__mmask16)((1u << (2 * B)) - 1);
  }
  // `wide`: 16 bytes may be read from p (a broadcast load, no shuffle uop); else exactly the 2·B bytes.
  inline __m512 operator()(const uint8_t* p, bool wide) const {
    if constexpr (B == 8) {
      return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i*)p)));
    } else {
      const __m512i v = wide ? _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i*)p))
                             : _mm512_broadcast_i32x4(_mm_maskz_loadu_epi8(bytes, p));
      const __m512i e = _mm512_and_si512(_mm512_srlv_epi32(_mm512_shuffle_epi8(v, idx), shift), mask);
      return _mm512_cvtepi32_ps(e);
    }
  }
};

// NR weight rows from n (sharing every x load) against MB rows of x; y at a.y[r * ldy + n + i].
template <int B, int NR, int MB, typename S>
inline void rows_nr(const Args& a, int64_t n, int64_t n_end, const float* const* xr, const float* const* xs,
                    const Unpack16<B>& up) {
  const int64_t G = a.K / a.gs;
  const int vpg = a.gs / 16;
  const uint8_t* wr[NR];
  const S* sr[NR];
  __m512 tot[NR][MB];
  alignas(64) float sbuf[NR][16];
  for (int i = 0; i < NR; i++) {
    wr[i] = a.w + (n + i) * a.ldw;
    sr[i] = static_cast<const S*>(a.scales) + (n + i) * a.lds;
    for (int r = 0; r < MB; r++) tot[i][r] = _mm512_setzero_ps();
  }
  // The rows after next stream in while these are computed (one prefetch per 64 bytes of each row).
  const int pg = MB == 1 ? pf_groups() : 2;  // several x rows: weights are reused, the old distance
  const int64_t pf_off = pg * NR * a.ldw;
  const bool pf_ok = n + (pg + 1) * NR <= n_end;
  // Rows followed by another row of the range may be over-read by a 16-byte load; the last one only
  // where 16 bytes remain in it.
  const bool last_in_range = n + NR >= n_end;
  const int64_t wide_end = last_in_range ? a.ldw - 16 : a.K * B / 8;
  for (int64_t g0 = 0; g0 < G; g0 += 16) {
    const int gn = (int)std::min<int64_t>(16, G - g0);
    for (int i = 0; i < NR; i++) _mm512_store_ps(sbuf[i], load_s(sr[i] + g0, first_n(gn)));
    for (int gi = 0; gi < gn; gi++) {
      const int64_t k0 = (g0 + gi) * a.gs;
      __m512 acc[NR][MB];
      for (int i = 0; i < NR; i++)
        for (int r = 0; r < MB; r++) acc[i][r] = _mm512_setzero_ps();
      for (int c = 0; c < vpg; c++) {
        const int64_t k = k0 + 16 * c, byte = k * B / 8;
        if (pf_ok && (byte & 63) < 2 * B)
          for (int i = 0; i < NR; i++) _mm_prefetch((const char*)(wr[i] + pf_off + byte), _MM_HINT_T0);
        __m512 xv[MB];
        for (int r = 0; r < MB; r++) xv[r] = _mm512_loadu_ps(xr[r] + k);
        const bool wide = byte <= wide_end;
        for (int i = 0; i < NR; i++) {
          const __m512 q = up(wr[i] + byte, wide);
          for (int r = 0; r < MB; r++) acc[i][r] = _mm512_fmadd_ps(q, xv[r], acc[i][r]);
        }
      }
      for (int i = 0; i < NR; i++) {
        const __m512 s = _mm512_set1_ps(sbuf[i][gi]);
        for (int r = 0; r < MB; r++) tot[i][r] = _mm512_fmadd_ps(acc[i][r], s, tot[i][r]);
      }
    }
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

template <int B, int MB, typename S>
void rows_mb(const Args& a, int64_t n0, int64_t n1, int64_t m0) {
  constexpr int NR = MB == 1 ? 4 : MB == 2 ? 2 : 1;
  static const Unpack16<B> up;
  const float* xr[MB];
  const float* xs[MB];
  for (int r = 0; r < MB; r++) xr[r] = a.x + (m0 + r) * a.ldx, xs[r] = a.xsum + (m0 + r) * a.ldxs;
  Args ao = a;
  ao.y = a.y + m0 * a.ldy;
  int64_t n = n0;
  for (; n + NR <= n1; n += NR) rows_nr<B, NR, MB, S>(ao, n, n1, xr, xs, up);
  for (; n < n1; n++) rows_nr<B, 1, MB, S>(ao, n, n1, xr, xs, up);
}

template <int B, typename S>
void rows_t(const Args& a, int64_t n0, int64_t n1, int64_t m0, int mb) {
  switch (mb) {
    case 1: rows_mb<B, 1, S>(a, n0, n1, m0); break;
    case 2: rows_mb<B, 2, S>(a, n0, n1, m0); break;
    case 3: rows_mb<B, 3, S>(a, n0, n1, m0); break;
    default: rows_mb<B, 4, S>(a, n0, n1, m0); break;
  }
}

template <int B>
void rows(const Args& a, int64_t n0, int64_t n1, int64_t m0, int mb) {
  switch (a.sdt) {
    case Dtype::float16: rows_t<B, float16_t>(a, n0, n1, m0, mb); break;
    case Dtype::bfloat16: rows_t<B, bfloat16_t>(a, n0, n1, m0, mb); break;
    default: rows_t<B, float>(a, n0, n1, m0, mb); break;
  }
}

// Panel dequantization (tiled matmul, more rows than qmv takes) for the widths qdeq.h decodes with scalar
// code (2/3/5/6 bits): 16 elements per vector with the same unpacking, o = s * q + b.
template <int B>
void deq_rows(const DeqArgs& a, int64_t r0, int64_t r1, float* out) {
  static const Unpack16<B> up;
  const int gs = a.gs;
  const int64_t G = a.K / gs, row_bytes = a.K * B / 8;
  for (int64_t r = r0; r < r1; r++) {
    const uint8_t* wr = a.w + r * a.ldw;
    float* o = out + (r - r0) * a.K;
    // The last row of the range is read exactly; the others may be over-read into the next row.
    const int64_t wide_end = r + 1 < r1 ? row_bytes : row_bytes - 16;
    for (int64_t g = 0; g < G; g++) {
      const __m512 vs = _mm512_set1_ps(deq_scalar(a.scales, a.sdt, r * a.lds + g));
      const __m512 vb = _mm512_set1_ps(deq_scalar(a.biases, a.sdt, r * a.lds + g));
      for (int c = 0; c < gs; c += 16) {
        const int64_t k = g * gs + c, byte = k * B / 8;
        _mm512_storeu_ps(o + k, _mm512_fmadd_ps(up(wr + byte, byte <= wide_end), vs, vb));
      }
    }
  }
}

}  // namespace

void deq_panel_avx512(const DeqArgs& a, int64_t r0, int64_t r1, float* out) {
  if (a.gs % 16 == 0)
    switch (a.bits) {
      case 2: return deq_rows<2>(a, r0, r1, out);
      case 3: return deq_rows<3>(a, r0, r1, out);
      case 5: return deq_rows<5>(a, r0, r1, out);
      case 6: return deq_rows<6>(a, r0, r1, out);
      default: break;
    }
  deq_panel(a, r0, r1, out);
}

RowsFn rows_bits_avx512(int bits, int gs) {
  if (gs % 16 != 0 || gs > 256) return nullptr;
  switch (bits) {
    case 2: return rows<2>;
    case 3: return rows<3>;
    case 4: return rows<4>;
    case 5: return rows<5>;
    case 6: return rows<6>;
    case 8: return rows<8>;
    default: return nullptr;
  }
}

}  // namespace mlx::cpu::qmv
#endif
