// mx.fast row/tile kernels written with GCC vector extensions, compiled once per ISA: included
// inside a namespace by fast_norm.cc (portable baseline), fast_avx2.cc and fast_avx512.cc after
// defining FAST_VBYTES (vector bytes) and FAST_NV (vectors per register-tile row).
#pragma once
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "fast_isa.h"
#include "simd/reduce_simd.h"  // rsimd::exp_v (16-wide)

namespace fsimd {

typedef float vf __attribute__((vector_size(FAST_VBYTES)));
constexpr int W = FAST_VBYTES / 4;
constexpr int NV = FAST_NV;
constexpr int BK = mlx::cpu::kFastBK;

inline vf ld(const float* p) { vf v; std::memcpy(&v, p, sizeof(vf)); return v; }
inline void st(float* p, vf v) { std::memcpy(p, &v, sizeof(vf)); }
inline vf bc(float x) { return vf{} + x; }
// a * b + c, fused where the ISA has it. The row-tile kernels (qk_rows<R>, pv_rows<R, NC>) accumulate with it
// instead of `acc += a * b`, whose contraction into FMAs the compiler may decide per template instance: gcc 13
// did, and a query's bits then depended on how many rows shared its tile (paged attention's row invariance).
// Code outside the row tiles is the same for every row, so it keeps the compiler's contraction (-ffp-contract=off
// on these files cost ~12 % of attention and layerNorm time).
#if FAST_VBYTES == 64
inline vf fmadd(vf a, vf b, vf c) { return (vf)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c); }
#elif FAST_VBYTES == 32
inline vf fmadd(vf a, vf b, vf c) { return (vf)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c); }
#else
inline vf fmadd(vf a, vf b, vf c) { return a * b + c; }
#endif
inline float hsum(vf v) { float s = 0; for (int i = 0; i < W; i++) s += v[i]; return s; }

inline float sum(const float* x, int64_t n) {
  vf a0{}, a1{}, a2{}, a3{};
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    a0 += ld(x + i); a1 += ld(x + i + W); a2 += ld(x + i + 2 * W); a3 += ld(x + i + 3 * W);
  }
  float s = hsum((a0 + a1) + (a2 + a3));
  for (; i < n; i++) s += x[i];
  return s;
}

inline float sumsq(const float* x, float mu, int64_t n) {
  vf a0{}, a1{}, a2{}, a3{}, m = bc(mu);
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    vf d0 = ld(x + i) - m, d1 = ld(x + i + W) - m, d2 = ld(x + i + 2 * W) - m, d3 = ld(x + i + 3 * W) - m;
    a0 += d0 * d0; a1 += d1 * d1; a2 += d2 * d2; a3 += d3 * d3;
  }
  float s = hsum((a0 + a1) + (a2 + a3));
  for (; i < n; i++) s += (x[i] - mu) * (x[i] - mu);
  return s;
}

inline void norm_apply(const float* x, float mu, float r, const float* w, const float* b, float* y, int64_t n) {
  vf m = bc(mu), rv = bc(r);
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    vf t = (ld(x + i) - m) * rv;
    if (w) t = t * ld(w + i);
    if (b) t = t + ld(b + i);
    st(y + i, t);
  }
  for (; i < n; i++) {
    float t = (x[i] - mu) * r;
    if (w) t = t * w[i];
    if (b) t = t + b[i];
    y[i] = t;
  }
}

// In-register transpose of W rows of W floats: log2(W) butterfly stages, each swapping the off-diagonal
// H x H blocks of every 2H x 2H block (one two-source shuffle per row: vpermt2ps on AVX-512).
typedef int vi __attribute__((vector_size(FAST_VBYTES)));
template <int H, bool HI> inline vi tmask() {
  vi m;
  for (int p = 0; p < W; p++) m[p] = (p & H) ? (HI ? W + p : W + p - H) : (HI ? p + H : p);
  return m;
}
template <int H> inline void tstage(vf* r) {
  const vi lo = tmask<H, false>(), hi = tmask<H, true>();
  for (int i = 0; i < W; i++)
    if (!(i & H)) {
      const vf a = r[i], b = r[i + H];
      r[i] = __builtin_shuffle(a, b, lo);
      r[i + H] = __builtin_shuffle(a, b, hi);
    }
}
inline void transpose(vf* r) {
  if constexpr (W >= 16) tstage<8>(r);
  if constexpr (W >= 8) tstage<4>(r);
  if constexpr (W >= 4) tstage<2>(r);
  if constexpr (W >= 2) tstage<1>(r);
}

// K tile [nk, D] (row stride ldk) -> Kt [D, BK] in W x W blocks; key rows past nk are zeros. The scalar
// version of this copy (strided stores) cost more than the QK^T products when few query rows share a tile.
inline void pack_kt(const float* K, int64_t ldk, int nk, int D, float* Kt) {
  const int dfull = D / W * W;
  for (int j = 0; j < nk; j += W) {
    const int n = nk - j < W ? nk - j : W;
    for (int d = 0; d < dfull; d += W) {
      vf r[W];
      for (int i = 0; i < W; i++) r[i] = i < n ? ld(K + (int64_t)(j + i) * ldk + d) : vf{};
      transpose(r);
      for (int i = 0; i < W; i++) st(Kt + (int64_t)(d + i) * BK + j, r[i]);
    }
    for (int d = dfull; d < D; d++)
      for (int i = 0; i < n; i++) Kt[(int64_t)d * BK + j + i] = K[(int64_t)(j + i) * ldk + d];
  }
}

// R rows x (NV vectors of keys) register tile, looping over d.
template <int R> inline void qk_rows(const float* Q, int64_t ldq, const float* Kt, int D, float* S) {
  for (int c = 0; c < BK; c += NV * W) {
    vf acc[R][NV];
    for (int r = 0; r < R; r++)
      for (int v = 0; v < NV; v++) acc[r][v] = vf{};
    for (int d = 0; d < D; d++) {
      const float* kr = Kt + (int64_t)d * BK + c;
      vf kv[NV];
      for (int v = 0; v < NV; v++) kv[v] = ld(kr + v * W);
      for (int r = 0; r < R; r++) {
        vf a = bc(Q[r * ldq + d]);
        for (int v = 0; v < NV; v++) acc[r][v] = fmadd(a, kv[v], acc[r][v]);
      }
    }
    for (int r = 0; r < R; r++)
      for (int v = 0; v < NV; v++) st(S + r * BK + c + v * W, acc[r][v]);
  }
}

inline void qk(const float* Q, int64_t ldq, int rows, const float* Kt, int D, float* S) {
  int r = 0;
  for (; r + 4 <= rows; r += 4) qk_rows<4>(Q + r * ldq, ldq, Kt, D, S + r * BK);
  for (; r < rows; r++) qk_rows<1>(Q + r * ldq, ldq, Kt, D, S + r * BK);
}

inline void softmax_step(float* S, int rows, float* m, float* l, float* alpha) {
  using rsimd::exp_v;
  typedef rsimd::vf v16;
  for (int r = 0; r < rows; r++) {
    float* s = S + r * BK;
    v16 mx = rsimd::load(s);
    for (int j = 16; j < BK; j += 16) {
      v16 x = rsimd::load(s + j);
      mx = x > mx ? x : mx;
    }
    float tm = rsimd::hmax(mx);
    float mn = tm > m[r] ? tm : m[r];
    // Equal maxima (including -inf == -inf) keep the running sums as they are.
    float a = mn == m[r] ? 1.0f : std::exp(m[r] - mn);
    v16 mv = rsimd::splat(mn), acc{};
    for (int j = 0; j < BK; j += 16) {
      v16 e = exp_v(rsimd::load(s + j) - mv);
      rsimd::store(s + j, e);
      acc += e;
    }
    l[r] = l[r] * a + rsimd::hsum(acc);
    m[r] = mn;
    alpha[r] = a;
  }
}

template <int R, int NC>
inline void pv_rows(const float* P, int n, const float* V, int64_t ldv, float* O, int64_t ldo, const float* alpha) {
  vf acc[R][NC];
  for (int r = 0; r < R; r++) {
    vf a = bc(alpha[r]);
    for (int v = 0; v < NC; v++) acc[r][v] = ld(O + r * ldo + v * W) * a;
  }
  for (int j = 0; j < n; j++) {
    const float* vr = V + (int64_t)j * ldv;
    vf vv[NC];
    for (int v = 0; v < NC; v++) vv[v] = ld(vr + v * W);
    for (int r = 0; r < R; r++) {
      vf p = bc(P[r * BK + j]);
      for (int v = 0; v < NC; v++) acc[r][v] = fmadd(p, vv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < R; r++)
    for (int v = 0; v < NC; v++) st(O + r * ldo + v * W, acc[r][v]);
}

template <int R>
inline void pv_cols(const float* P, int n, const float* V, int64_t ldv, int dvp, float* O, int64_t ldo,
                    const float* alpha) {
  int c = 0;
  for (; c + NV * W <= dvp; c += NV * W) pv_rows<R, NV>(P, n, V + c, ldv, O + c, ldo, alpha);
  for (; c < dvp; c += W) pv_rows<R, 1>(P, n, V + c, ldv, O + c, ldo, alpha);
}

inline void pv(const float* P, int rows, int n, const float* V, int64_t ldv, int dvp, float* O, int64_t ldo,
               const float* alpha) {
  int r = 0;
  for (; r + 4 <= rows; r += 4) pv_cols<4>(P + r * BK, n, V, ldv, dvp, O + r * ldo, ldo, alpha + r);
  for (; r < rows; r++) pv_cols<1>(P + r * BK, n, V, ldv, dvp, O + r * ldo, ldo, alpha + r);
}

inline const mlx::cpu::FastKernels& table() {
  static const mlx::cpu::FastKernels k{W, sum, sumsq, norm_apply, pack_kt, qk, softmax_step, pv};
  return k;
}

}  // namespace fsimd
