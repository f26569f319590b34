// int8 GEMM with AVX-512 VNNI (vpdpbusd: 64 u8 x s8 products summed in groups of 4 into 16 int32 lanes).
// vpdpbusd needs one unsigned operand, so one side is stored as u8 = s8 + 128 and the excess
// 128 * sum(other side) is subtracted at the end:
//   small M (<= kSmallM): x rows as u8, W rows read in place (streamed once); sum_k w[n, k] comes from a
//     vpdpbusd against ones in the same loop; 4 weight rows x up to 4 x rows per tile, reduced horizontally.
//   large M: W packed into panels of 16 rows x 4 k as u8 (lanes = output columns), x rows quantized to s8 and
//     broadcast 4 bytes at a time; 8 rows x 48 columns per register tile, stored straight into y's rows.
#if defined(MLX_X86)
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "../../engine/threadpool.h"
#include "int8_gemm.h"

#define MLX_VNNI __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni")))

namespace mlx::cpu::int8gemm {

bool has_avx512_vnni() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl");
}

namespace {

inline int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }
inline int32_t load4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);  // (no aliasing cast: GCC folds this into the broadcast's memory operand)
  return v;
}

// Quantizes one row of K floats into ld bytes (zero-padded: value 0, i.e. 0x80 when as_u8); returns sum_k q.
MLX_VNNI int32_t quantize_row(const float* x, int64_t K, int8_t* q, int64_t ld, float* xs, bool as_u8) {
  const __m512 absmask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7fffffff));
  __m512 vmax = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + 16 <= K; k += 16) vmax = _mm512_max_ps(vmax, _mm512_and_ps(_mm512_loadu_ps(x + k), absmask));
  if (k < K) {
    __mmask16 m = (__mmask16)((1u << (K - k)) - 1);
    vmax = _mm512_max_ps(vmax, _mm512_and_ps(_mm512_maskz_loadu_ps(m, x + k), absmask));
  }
  const float amax = _mm512_reduce_max_ps(vmax);
  const int8_t pad = as_u8 ? (int8_t)0x80 : 0;
  if (!(amax > 0.0f)) {
    std::memset(q, pad, ld);
    *xs = 0.0f;
    return 0;
  }
  *xs = amax / 127.0f;
  const __m512 inv = _mm512_set1_ps(127.0f / amax);
  const __m512i lo = _mm512_set1_epi32(-127), hi = _mm512_set1_epi32(127);
  const __m128i flip = _mm_set1_epi8(as_u8 ? (char)0x80 : 0);
  __m512i vsum = _mm512_setzero_si512();
  for (k = 0; k < K; k += 16) {
    const int64_t n = std::min<int64_t>(16, K - k);
    const __mmask16 m = (__mmask16)((1u << n) - 1);
    __m512i i = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + k), inv));  // round half to even
    i = _mm512_min_epi32(_mm512_max_epi32(i, lo), hi);
    vsum = _mm512_add_epi32(vsum, i);
    _mm_mask_storeu_epi8(q + k, m, _mm_xor_si128(_mm512_cvtepi32_epi8(i), flip));
  }
  if (ld > K) std::memset(q + K, pad, ld - K);
  return _mm512_reduce_add_epi32(vsum);
}

// [sum(a0), sum(a1), sum(a2), sum(a3)]
MLX_VNNI inline __m128i reduce4(__m512i a0, __m512i a1, __m512i a2, __m512i a3) {
  __m512i t0 = _mm512_add_epi32(_mm512_unpacklo_epi32(a0, a1), _mm512_unpackhi_epi32(a0, a1));
  __m512i t1 = _mm512_add_epi32(_mm512_unpacklo_epi32(a2, a3), _mm512_unpackhi_epi32(a2, a3));
  __m512i t = _mm512_add_epi32(_mm512_unpacklo_epi64(t0, t1), _mm512_unpackhi_epi64(t0, t1));
  __m256i h = _mm256_add_epi32(_mm512_castsi512_si256(t), _mm512_extracti64x4_epi64(t, 1));
  return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

// ---- small M ------------------------------------------------------------------------------------------------

struct Small {
  const Args* a;
  const uint8_t* xu;  // [M, ldx] u8 (q + 128)
  int64_t ldx;
  const float* xs;
};

// Rows m0 .. m0+MB-1 of x against weight rows n0 .. n0+3 (rows past N repeat row N-1 and are not stored).
template <int MB>
MLX_VNNI void small_tile(const Small& s, int64_t m0, int64_t n0, int64_t n_end) {
  const Args& a = *s.a;
  const int64_t K = a.K, N = a.N;
  const int nb = (int)std::min<int64_t>(4, N - n0);
  const int8_t* wr[4];
  for (int j = 0; j < 4; j++) wr[j] = a.w + std::min<int64_t>(n0 + j, N - 1) * K;
  const bool pf = n0 + 8 <= n_end;  // prefetch the next tile's rows while this one runs
  const __m512i ones = _mm512_set1_epi8(1);
  __m512i acc[MB][4], wsum[4];
  for (int j = 0; j < 4; j++) {
    wsum[j] = _mm512_setzero_si512();
    for (int i = 0; i < MB; i++) acc[i][j] = _mm512_setzero_si512();
  }
  int64_t k = 0;
  for (; k < K; k += 64) {
    __m512i w[4];
    if (k + 64 <= K) {
      for (int j = 0; j < 4; j++) w[j] = _mm512_loadu_si512(wr[j] + k);
    } else {
      const __mmask64 m = (~0ull) >> (64 - (K - k));
      for (int j = 0; j < 4; j++) w[j] = _mm512_maskz_loadu_epi8(m, wr[j] + k);
    }
    if (pf)
      for (int j = 0; j < 4; j++) _mm_prefetch((const char*)(wr[j] + 4 * K + k), _MM_HINT_T0);
    for (int j = 0; j < 4; j++) wsum[j] = _mm512_dpbusd_epi32(wsum[j], ones, w[j]);
    for (int i = 0; i < MB; i++) {
      const __m512i xv = _mm512_loadu_si512(s.xu + (m0 + i) * s.ldx + k);  // padded to a multiple of 64
      for (int j = 0; j < 4; j++) acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], xv, w[j]);
    }
  }
  const __mmask8 om = (__mmask8)((1u << nb) - 1);
  const __m128i excess = _mm_slli_epi32(reduce4(wsum[0], wsum[1], wsum[2], wsum[3]), 7);  // 128 * sum_k w
  const __m128 wsc = _mm_maskz_loadu_ps(om, a.ws + n0);
  const __m128 bv = a.bias ? _mm_maskz_loadu_ps(om, a.bias + n0) : _mm_setzero_ps();
  for (int i = 0; i < MB; i++) {
    const __m128i d = _mm_sub_epi32(reduce4(acc[i][0], acc[i][1], acc[i][2], acc[i][3]), excess);
    const __m128 v = _mm_mul_ps(_mm_cvtepi32_ps(d), _mm_mul_ps(_mm_set1_ps(s.xs[m0 + i]), wsc));
    _mm_mask_storeu_ps(a.y + (m0 + i) * N + n0, om, _mm_add_ps(v, bv));
  }
}

MLX_VNNI void small_range(const Small& s, int64_t n0, int64_t n1) {
  const int64_t M = s.a->M;
  for (int64_t n = n0; n < n1; n += 4) {
    int64_t m = 0;
    for (; m + 4 <= M; m += 4) small_tile<4>(s, m, n, n1);
    switch (M - m) {
      case 3: small_tile<3>(s, m, n, n1); break;
      case 2: small_tile<2>(s, m, n, n1); break;
      case 1: small_tile<1>(s, m, n, n1); break;
      default: break;
    }
  }
}

void run_small(const Args& a) {
  const int64_t ldx = round_up(a.K, 64);
  std::vector<uint8_t> xu(a.M * ldx);
  std::vector<float> xs(a.M);
  for (int64_t m = 0; m < a.M; m++) quantize_row(a.x + m * a.K, a.K, (int8_t*)xu.data() + m * ldx, ldx, &xs[m], true);
  const Small s{&a, xu.data(), ldx, xs.data()};
  const int64_t tiles = (a.N + 3) / 4;
  const int64_t work = 4 * a.K * std::max<int64_t>(a.M, 4);  // products per tile (plus the weight sums)
  parallel_for(tiles, std::max<int64_t>(1, (int64_t(1) << 16) / work),
               [&](int64_t t0, int64_t t1) { small_range(s, t0 * 4, std::min(a.N, t1 * 4)); });
}

// ---- large M ------------------------------------------------------------------------------------------------

constexpr int MR = 8;   // rows of x per register tile
constexpr int NPG = 3;  // panels of 16 columns per register tile (24 accumulators + 3 panel vectors + 1 broadcast)

struct Large {
  const Args* a;
  const int8_t* xp;   // [mblocks][G][MR][4] s8 (4 consecutive k of each row), rows past M are zero
  const float* xs;
  const int32_t* xsum;
  const uint8_t* wp;  // panels [P][G][16][4] u8, P a multiple of NPG (extra panels hold 0 + 128)
  int64_t G;          // groups of 4 along k
};

// Rows m0 .. m0+7 against panels p0 .. p0+2. The accumulators are named variables: GCC keeps an array of 24
// vectors on the stack.
MLX_VNNI void large_tile(const Large& L, int64_t m0, int64_t p0) {
  const Args& a = *L.a;
  const int64_t G = L.G, pstride = G * 64;
  const uint8_t* w0 = L.wp + p0 * pstride;
  const uint8_t* w1 = w0 + pstride;
  const uint8_t* w2 = w1 + pstride;
  const int8_t* xp = L.xp + (m0 / MR) * G * (MR * 4);
#define MLX_I8_Z(i) __m512i c##i##0 = _mm512_setzero_si512(), c##i##1 = c##i##0, c##i##2 = c##i##0;
  MLX_I8_Z(0) MLX_I8_Z(1) MLX_I8_Z(2) MLX_I8_Z(3) MLX_I8_Z(4) MLX_I8_Z(5) MLX_I8_Z(6) MLX_I8_Z(7)
#undef MLX_I8_Z
  for (int64_t g = 0; g < G; g++, xp += MR * 4) {
    const __m512i b0 = _mm512_loadu_si512(w0 + g * 64), b1 = _mm512_loadu_si512(w1 + g * 64),
                  b2 = _mm512_loadu_si512(w2 + g * 64);
#define MLX_I8_ROW(i)                                                                   \
  {                                                                                     \
    const __m512i x4 = _mm512_set1_epi32(load4(xp + 4 * i));                           \
    c##i##0 = _mm512_dpbusd_epi32(c##i##0, b0, x4);                                     \
    c##i##1 = _mm512_dpbusd_epi32(c##i##1, b1, x4);                                     \
    c##i##2 = _mm512_dpbusd_epi32(c##i##2, b2, x4);                                     \
  }
    MLX_I8_ROW(0) MLX_I8_ROW(1) MLX_I8_ROW(2) MLX_I8_ROW(3) MLX_I8_ROW(4) MLX_I8_ROW(5) MLX_I8_ROW(6) MLX_I8_ROW(7)
#undef MLX_I8_ROW
  }
  alignas(64) int32_t t[MR][NPG * 16];
#define MLX_I8_ST(i)                                    \
  _mm512_store_si512((__m512i*)(t[i] + 0), c##i##0);  \
  _mm512_store_si512((__m512i*)(t[i] + 16), c##i##1); \
  _mm512_store_si512((__m512i*)(t[i] + 32), c##i##2);
  MLX_I8_ST(0) MLX_I8_ST(1) MLX_I8_ST(2) MLX_I8_ST(3) MLX_I8_ST(4) MLX_I8_ST(5) MLX_I8_ST(6) MLX_I8_ST(7)
#undef MLX_I8_ST
  const int rows = (int)std::min<int64_t>(MR, a.M - m0);
  for (int j = 0; j < NPG; j++) {
    const int64_t n = (p0 + j) * 16;
    if (n >= a.N) break;
    const __mmask16 om = a.N - n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (a.N - n)) - 1);
    const __m512 wsc = _mm512_maskz_loadu_ps(om, a.ws + n);
    const __m512 bv = a.bias ? _mm512_maskz_loadu_ps(om, a.bias + n) : _mm512_setzero_ps();
    for (int i = 0; i < rows; i++) {
      const __m512i d = _mm512_sub_epi32(_mm512_load_si512((const __m512i*)(t[i] + 16 * j)),
                                         _mm512_set1_epi32(L.xsum[m0 + i] * 128));
      const __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(d), _mm512_mul_ps(_mm512_set1_ps(L.xs[m0 + i]), wsc));
      _mm512_mask_storeu_ps(a.y + (m0 + i) * a.N + n, om, _mm512_add_ps(v, bv));
    }
  }
}

MLX_VNNI void pack_panel(const Args& a, int64_t p, int64_t G, uint8_t* dst) {
  // Lane j of group g holds w[16p + j, 4g .. 4g + 3] + 128; missing rows / columns are 0 + 128.
  std::memset(dst, 0x80, G * 64);
  for (int j = 0; j < 16; j++) {
    const int64_t n = p * 16 + j;
    if (n >= a.N) break;
    const int8_t* row = a.w + n * a.K;
    const int64_t full = a.K / 4;
    for (int64_t g = 0; g < full; g++) {
      uint32_t v;
      std::memcpy(&v, row + g * 4, 4);
      v ^= 0x80808080u;
      std::memcpy(dst + g * 64 + j * 4, &v, 4);
    }
    for (int64_t k = full * 4; k < a.K; k++) dst[full * 64 + j * 4 + (k - full * 4)] = (uint8_t)row[k] ^ 0x80;
  }
}

// Quantizes rows of one block of MR and interleaves them: group g of row i at [g][i][4].
MLX_VNNI void quantize_block(const Args& a, int64_t blk, int64_t G, int8_t* row, int8_t* dst, float* xs, int32_t* xsum) {
  std::memset(dst, 0, G * MR * 4);
  for (int i = 0; i < MR; i++) {
    const int64_t m = blk * MR + i;
    if (m >= a.M) break;
    xsum[m] = quantize_row(a.x + m * a.K, a.K, row, G * 4, &xs[m], false);
    for (int64_t g = 0; g < G; g++) std::memcpy(dst + g * MR * 4 + i * 4, row + g * 4, 4);
  }
}

void run_large(const Args& a) {
  const int64_t G = round_up(a.K, 4) / 4;
  const int64_t mblocks = (a.M + MR - 1) / MR;
  const int64_t P = round_up((a.N + 15) / 16, NPG), groups = P / NPG;
  std::vector<int8_t> xp(mblocks * G * MR * 4);
  std::vector<float> xs(mblocks * MR, 0.0f);
  std::vector<int32_t> xsum(mblocks * MR, 0);
  std::vector<uint8_t> wp(P * G * 64);
  parallel_for(mblocks, std::max<int64_t>(1, 16384 / (MR * a.K)), [&](int64_t b0, int64_t b1) {
    std::vector<int8_t> row(G * 4);
    for (int64_t b = b0; b < b1; b++) quantize_block(a, b, G, row.data(), xp.data() + b * G * MR * 4, xs.data(), xsum.data());
  });
  parallel_for(P, std::max<int64_t>(1, 16384 / (16 * a.K)), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) pack_panel(a, p, G, wp.data() + p * G * 64);
  });
  const Large L{&a, xp.data(), xs.data(), xsum.data(), wp.data(), G};
  // Task t = panel group (t / mblocks) x row block (t % mblocks): consecutive tasks reuse one panel group.
  const int64_t tasks = groups * mblocks;
  const int64_t work = MR * NPG * 16 * a.K;
  parallel_for(tasks, std::max<int64_t>(1, (int64_t(1) << 18) / work), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) large_tile(L, (t % mblocks) * MR, (t / mblocks) * NPG);
  });
}

}  // namespace

void run_avx512_vnni(const Args& a) {
  if (a.M <= kSmallM) run_small(a);
  else run_large(a);
}

}  // namespace mlx::cpu::int8gemm
#endif
