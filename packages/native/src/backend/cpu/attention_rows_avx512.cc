// See attention_rows.h. Compiled with AVX-512 flags; called only when best_isa() is avx512.
#if defined(MLX_X86)
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "../../engine/threadpool.h"
#include "attention_rows.h"
#include "fast_isa.h"
#include "cpu_features.h"

namespace mlx::cpu {
#define FAST_VBYTES 64
#define FAST_NV 4
namespace rows_attn {
#include "fast_simd.h"  // fsimd::pack_kt (16 x 16 in-register transposes)
}  // namespace rows_attn

namespace {

constexpr int KP = 64;  // keys per Kᵀ panel = register tile width (4 vectors)
static_assert(KP == kFastBK, "Kᵀ panels are packed by fsimd::pack_kt");
constexpr int MR = 6;   // query rows per group = register tile height

// S[r * lds + j] = scale * sum_d Q[r * ldq + d] * Kt[d * KP + j], r < R, j < KP (Kt: one panel, D x KP).
template <int R>
void qk_tile(const float* Q, int64_t ldq, const float* Kt, int64_t D, float scale, float* S, int64_t lds) {
  __m512 c[R][4];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < 4; v++) c[r][v] = _mm512_setzero_ps();
#pragma GCC unroll 2
  for (int64_t d = 0; d < D; d++) {
    const float* k = Kt + d * KP;
    __m512 b0 = _mm512_load_ps(k), b1 = _mm512_load_ps(k + 16), b2 = _mm512_load_ps(k + 32), b3 = _mm512_load_ps(k + 48);
    for (int r = 0; r < R; r++) {
      __m512 a = _mm512_set1_ps(Q[r * ldq + d]);
      c[r][0] = _mm512_fmadd_ps(a, b0, c[r][0]);
      c[r][1] = _mm512_fmadd_ps(a, b1, c[r][1]);
      c[r][2] = _mm512_fmadd_ps(a, b2, c[r][2]);
      c[r][3] = _mm512_fmadd_ps(a, b3, c[r][3]);
    }
  }
  const __m512 sc = _mm512_set1_ps(scale);
  for (int r = 0; r < R; r++)
    for (int v = 0; v < 4; v++) _mm512_store_ps(S + r * lds + 16 * v, _mm512_mul_ps(c[r][v], sc));
}

// O[r * ldo + c] = inv[r] * sum_{j < n} P[r * ldp + j] * V[j * ldv + c], r < R, c < 16 * NV.
template <int R, int NV>
void pv_tile(const float* P, int64_t ldp, int64_t n, const float* V, int64_t ldv, float* O, int64_t ldo,
             const float* inv) {
  __m512 c[R][NV];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < NV; v++) c[r][v] = _mm512_setzero_ps();
#pragma GCC unroll 4
  for (int64_t j = 0; j < n; j++) {
    const float* vr = V + j * ldv;
    __m512 b[NV];
    for (int v = 0; v < NV; v++) b[v] = _mm512_load_ps(vr + 16 * v);
    for (int r = 0; r < R; r++) {
      __m512 a = _mm512_set1_ps(P[r * ldp + j]);
      for (int v = 0; v < NV; v++) c[r][v] = _mm512_fmadd_ps(a, b[v], c[r][v]);
    }
  }
  for (int r = 0; r < R; r++) {
    __m512 s = _mm512_set1_ps(inv[r]);
    for (int v = 0; v < NV; v++) _mm512_storeu_ps(O + r * ldo + 16 * v, _mm512_mul_ps(c[r][v], s));
  }
}

template <int R>
void pv_cols(const float* P, int64_t ldp, int64_t n, const float* V, int64_t ldv, int64_t Dv, float* O, int64_t ldo,
             const float* inv) {
  int64_t c = 0;
  for (; c + 64 <= Dv; c += 64) pv_tile<R, 4>(P, ldp, n, V + c, ldv, O + c, ldo, inv);
  switch ((Dv - c) / 16) {
    case 3: pv_tile<R, 3>(P, ldp, n, V + c, ldv, O + c, ldo, inv); break;
    case 2: pv_tile<R, 2>(P, ldp, n, V + c, ldv, O + c, ldo, inv); break;
    case 1: pv_tile<R, 1>(P, ldp, n, V + c, ldv, O + c, ldo, inv); break;
    default: break;
  }
}

// exp(x) for x <= 0 (scores minus their row max) or NaN: the Cephes polynomial of rsimd::exp_v (same constants, same
// rounding to the nearest n), with 2^n applied by vscalefps and only the lower clamp. x < -87.3 gives 0; NaN stays.
inline __m512 exp_nonpos(__m512 x) {
  const __m512 lo = _mm512_set1_ps(-87.3365447505531f);
  const __mmask16 keep = _mm512_cmp_ps_mask(x, lo, _CMP_NLT_UQ);
  const __m512 xc = _mm512_max_ps(lo, x);  // NaN in x passes through (the second operand)
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(xc, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), xc);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 y = _mm512_set1_ps(1.9875691500E-4f);
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(1.3981999507E-3f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(8.3334519073E-3f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(4.1665795894E-2f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(1.6666665459E-1f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(5.0000001201E-1f));
  y = _mm512_add_ps(_mm512_fmadd_ps(y, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
  return _mm512_maskz_mov_ps(keep, _mm512_scalef_ps(y, n));
}

// In place over one score row s[0, n): s = exp(s - max), returns 1 / sum (the row's normaliser).
inline float row_softmax(float* s, int64_t n) {
  __m512 m0 = _mm512_set1_ps(-std::numeric_limits<float>::infinity()), m1 = m0;
  int64_t j = 0;
  for (; j + 32 <= n; j += 32) m0 = _mm512_max_ps(m0, _mm512_loadu_ps(s + j)), m1 = _mm512_max_ps(m1, _mm512_loadu_ps(s + j + 16));
  for (; j < n; j += 16) {
    const __mmask16 t = n - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - j)) - 1);
    m0 = _mm512_mask_max_ps(m0, t, m0, _mm512_maskz_loadu_ps(t, s + j));
  }
  const __m512 mv = _mm512_set1_ps(_mm512_reduce_max_ps(_mm512_max_ps(m0, m1)));
  __m512 a0 = _mm512_setzero_ps(), a1 = a0;
  j = 0;
  for (; j + 32 <= n; j += 32) {
    const __m512 e0 = exp_nonpos(_mm512_sub_ps(_mm512_loadu_ps(s + j), mv));
    const __m512 e1 = exp_nonpos(_mm512_sub_ps(_mm512_loadu_ps(s + j + 16), mv));
    _mm512_storeu_ps(s + j, e0), _mm512_storeu_ps(s + j + 16, e1);
    a0 = _mm512_add_ps(a0, e0), a1 = _mm512_add_ps(a1, e1);
  }
  for (; j < n; j += 16) {
    const __mmask16 t = n - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - j)) - 1);
    const __m512 e = _mm512_maskz_mov_ps(t, exp_nonpos(_mm512_sub_ps(_mm512_maskz_loadu_ps(t, s + j), mv)));
    _mm512_mask_storeu_ps(s + j, t, e);
    a0 = _mm512_add_ps(a0, e);
  }
  return 1.0f / _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
}

// One group of R query rows of one head: scores for all key panels, mask, softmax, O.
template <int R>
void group(const BlockedAttnArgs& a, const float* Q, const float* Kt, int64_t npan, const float* Vc, int64_t dvp,
           const bool* mk, float* S, int64_t lds, float* O) {
  for (int64_t p = 0; p < npan; p++) qk_tile<R>(Q, a.qs[2], Kt + p * a.D * KP, a.D, a.scale, S + p * KP, lds);
  float inv[MR];
  for (int r = 0; r < R; r++) {
    float* s = S + r * lds;
    if (mk)  // masked keys score the lowest float (MLX's where(mask, s, finfo.min)): a fully masked row averages
      for (int64_t j = 0; j < a.Lk; j++)
        if (!mk[j * a.mj]) s[j] = -FLT_MAX;
    inv[r] = row_softmax(s, a.Lk);
  }
  pv_cols<R>(S, lds, a.Lk, Vc, dvp, a.Dv, O, a.Dv, inv);
}

using GroupFn = void (*)(const BlockedAttnArgs&, const float*, const float*, int64_t, const float*, int64_t,
                         const bool*, float*, int64_t, float*);
constexpr GroupFn kGroups[MR + 1] = {nullptr, group<1>, group<2>, group<3>, group<4>, group<5>, group<6>};

// Per-thread score rows, kept between calls (pool threads are long-lived).
thread_local std::vector<float> tl_scores;
thread_local std::vector<float> tl_packed;

float* aligned_floats(std::vector<float>& v, size_t n) {
  if (v.size() < n + 16) v.resize(n + 16);
  return reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(v.data()) + 63) & ~uintptr_t(63));
}

}  // namespace

bool sdpa_rows_available(int64_t Lq, int64_t Lk, int64_t D, int64_t Dv, int64_t q_ds, int64_t k_ds, int64_t v_ds) {
  static const bool isa = best_isa() == Isa::avx512;
  const char* e = std::getenv("MLX_SDPA_ROWS");
  if (!isa || (e && e[0] == '0')) return false;
  return Lq >= 32 && Lk >= 128 && D >= 16 && D <= 512 && Dv % 16 == 0 && Dv >= 16 && Dv <= 512 && q_ds == 1 &&
         k_ds == 1 && v_ds == 1;
}

void sdpa_rows_f32(const BlockedAttnArgs& a) {
  const int64_t npan = (a.Lk + KP - 1) / KP, lkp = npan * KP, dvp = (a.Dv + 15) / 16 * 16;
  const int64_t heads = a.B * a.Hkv, head_size = lkp * a.D + a.Lk * dvp, kt_size = lkp * a.D;
  const int64_t rep = a.Hq / a.Hkv, ngroups = (a.Lq + MR - 1) / MR;
  // kv heads are packed and run in batches of at most ~8 MB of packed K / V (the buffer is kept between calls).
  const int64_t batch = std::clamp<int64_t>((int64_t(8) << 20) / (int64_t)sizeof(float) / head_size, 1, heads);
  float* packed = aligned_floats(tl_packed, (size_t)(batch * head_size));
  for (int64_t hb0 = 0; hb0 < heads; hb0 += batch) {
    const int64_t hb1 = std::min(heads, hb0 + batch);
    // Phase 1, per kv head: Kᵀ panels (zero keys past Lk) and V rows made contiguous.
    parallel_for(hb1 - hb0, 1, [&](int64_t h0, int64_t h1) {
      for (int64_t hh = hb0 + h0; hh < hb0 + h1; hh++) {
        const int64_t b = hh / a.Hkv, hk = hh % a.Hkv;
        const float* K = a.k + b * a.ks[0] + hk * a.ks[1];
        const float* V = a.v + b * a.vs[0] + hk * a.vs[1];
        float* Kt = packed + (hh - hb0) * head_size;
        float* Vc = Kt + kt_size;
        for (int64_t p = 0; p < npan; p++)
          rows_attn::fsimd::pack_kt(K + p * KP * a.ks[2], a.ks[2], (int)std::min<int64_t>(KP, a.Lk - p * KP),
                                    (int)a.D, Kt + p * a.D * KP);
        for (int64_t j = 0; j < a.Lk; j++) std::memcpy(Vc + j * dvp, V + j * a.vs[2], sizeof(float) * a.Dv);
      }
    });
    // Phase 2: groups of MR query rows of the batch's query heads, a few at a time from a shared counter.
    const int64_t units = (hb1 - hb0) * rep * ngroups;
    constexpr int64_t kTake = 4;
    std::atomic<int64_t> next{0};
    auto worker = [&](int, int) {
      float* S = aligned_floats(tl_scores, (size_t)(MR * lkp));
      for (int64_t u0; (u0 = next.fetch_add(kTake, std::memory_order_relaxed)) < units;) {
        for (int64_t u = u0; u < std::min(units, u0 + kTake); u++) {
          const int64_t g = u % ngroups, hh = hb0 + u / (ngroups * rep), b = hh / a.Hkv;
          const int64_t h = (hh % a.Hkv) * rep + (u / ngroups) % rep;  // query head
          const int64_t i0 = g * MR, R = std::min<int64_t>(MR, a.Lq - i0);
          const float* Kt = packed + (hh - hb0) * head_size;
          const float* Q = a.q + b * a.qs[0] + h * a.qs[1] + i0 * a.qs[2];
          float* O = a.out + ((b * a.Hq + h) * a.Lq + i0) * a.Dv;
          kGroups[R](a, Q, Kt, npan, Kt + kt_size, dvp, a.key_mask ? a.key_mask + b * a.mb : nullptr, S, lkp, O);
        }
      }
    };
    const int nt = (int)std::min<int64_t>(num_threads(), (units + kTake - 1) / kTake);
    if (nt > 1) parallel_run(nt, worker);
    else worker(0, 1);
  }
}

}  // namespace mlx::cpu
#endif
