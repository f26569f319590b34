// Small-M products (few rows of A against a large B), shared by the ISA files: each includes this header with
// its own vector traits V, so the same loops compile to AVX-512, AVX2 or scalar code.
//   C[m*ldc + n] = alpha * sum_k A[m*lda + k] * B(k, n) + beta * C[m*ldc + n]     (beta == 0: C not read)
// A is f32 with contiguous rows. B is f32, f16 or bf16 and is widened in registers, so it streams from memory
// exactly once per call whatever M is (the packed GEMM would copy all of B first). Two layouts:
//   nt: B(k, n) = B[n*ldb + k]  (rows of B^T contiguous: a Linear layer's weight)  -> MB x NB dot products
//   nn: B(k, n) = B[k*ldb + n]  (rows of B contiguous)                             -> MB x (NB vectors) tile
// V provides: R (register type), W (lanes), MB/NB (tile), zero(), set1(), load(const float*),
// load_h(const uint16_t*) (f16 -> f32), load_b(const uint16_t*) (bf16 -> f32), fma(a, b, c), sum(R), store(),
// prefetch(const char*).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "../../../engine/half.h"
#include "gemm.h"

namespace mlx::cpu::gemm_detail::small_m {
// Internal linkage: every ISA file gets its own copies, compiled with its own instruction set.
namespace {

template <class V, int KIND>
inline typename V::R load_b(const void* p, int64_t i) {
  if constexpr (KIND == 0) return V::load(static_cast<const float*>(p) + i);
  else if constexpr (KIND == 1) return V::load_h(static_cast<const uint16_t*>(p) + i);
  else return V::load_b(static_cast<const uint16_t*>(p) + i);
}

template <int KIND>
inline float load_b1(const void* p, int64_t i) {
  if constexpr (KIND == 0) return static_cast<const float*>(p)[i];
  else if constexpr (KIND == 1) return half_to_float(static_cast<const uint16_t*>(p)[i]);
  else return bf16_to_float(static_cast<const uint16_t*>(p)[i]);
}

inline void put(float* c, float v, float alpha, float beta) { *c = beta == 0.0f ? alpha * v : alpha * v + beta * *c; }

// mb (<= MB) rows of A against nb (<= NB) rows of B^T starting at n.
template <class V, int KIND, int MB>
void nt_tile(const SmallArgs& a, int64_t n, int nb, int64_t n_end) {
  using R = typename V::R;
  constexpr int NB = V::NB, W = V::W;
  const int64_t K = a.K;
  int64_t boff[NB];
  for (int j = 0; j < NB; j++) boff[j] = (n + std::min(j, nb - 1)) * a.ldb;  // unused lanes repeat the last row
  const float* ap[MB];
  for (int i = 0; i < MB; i++) ap[i] = a.A + i * a.lda;
  R acc[MB][NB];
  for (int i = 0; i < MB; i++)
    for (int j = 0; j < NB; j++) acc[i][j] = V::zero();
  // Prefetch the rows a few tiles ahead, spread over this tile's k steps: the rows of B^T are usually
  // consecutive, and many short interleaved row streams otherwise leave the hardware prefetcher behind.
  constexpr int64_t esz = KIND == 0 ? 4 : 2;
  // Only inside this call's range (a panel of a quantized matmul is already in cache; beyond it is not ours).
  const char* pf = static_cast<const char*>(a.B) + (n + 8 * NB) * a.ldb * esz;
  const int64_t pf_step = n + 9 * NB <= n_end ? NB * W * esz : 0;
  int64_t k = 0;
  for (; k + W <= K; k += W, pf += pf_step) {
    for (int64_t l = 0; l < pf_step; l += 64) V::prefetch(pf + l);
    R b[NB];
    for (int j = 0; j < NB; j++) b[j] = load_b<V, KIND>(a.B, boff[j] + k);
    for (int i = 0; i < MB; i++) {
      R x = V::load(ap[i] + k);
      for (int j = 0; j < NB; j++) acc[i][j] = V::fma(x, b[j], acc[i][j]);
    }
  }
  float tail[MB][NB] = {};
  for (; k < K; k++)
    for (int j = 0; j < NB; j++) {
      float bv = load_b1<KIND>(a.B, boff[j] + k);
      for (int i = 0; i < MB; i++) tail[i][j] += ap[i][k] * bv;
    }
  for (int i = 0; i < MB; i++)
    for (int j = 0; j < nb; j++) put(a.C + i * a.ldc + n + j, V::sum(acc[i][j]) + tail[i][j], a.alpha, a.beta);
}

template <class V, int KIND>
void nt_range(const SmallArgs& a0, int64_t n0, int64_t n1) {
  constexpr int NB = V::NB, MB = V::MB;
  for (int64_t n = n0; n < n1; n += NB) {
    const int nb = (int)std::min<int64_t>(NB, n1 - n);
    SmallArgs a = a0;
    for (int m = 0; m < a0.M; m += MB, a.A += MB * a0.lda, a.C += MB * a0.ldc) {
      switch (std::min(MB, a0.M - m)) {
        case 1: nt_tile<V, KIND, 1>(a, n, nb, n1); break;
        case 2: if constexpr (MB >= 2) nt_tile<V, KIND, 2>(a, n, nb, n1); break;
        case 3: if constexpr (MB >= 3) nt_tile<V, KIND, 3>(a, n, nb, n1); break;
        default: if constexpr (MB >= 4) nt_tile<V, KIND, MB>(a, n, nb, n1); break;
      }
    }
  }
}

// mb rows x (NB vectors) columns from j over k in [k0, k1); first == (k0 == 0) applies beta.
template <class V, int KIND, int MB>
void nn_tile(const SmallArgs& a, int64_t j, int64_t k0, int64_t k1, bool first) {
  using R = typename V::R;
  constexpr int NB = V::NB, W = V::W;
  R acc[MB][NB];
  for (int i = 0; i < MB; i++)
    for (int v = 0; v < NB; v++) acc[i][v] = V::zero();
  for (int64_t k = k0; k < k1; k++) {
    R b[NB];
    const int64_t bo = k * a.ldb + j;
    for (int v = 0; v < NB; v++) b[v] = load_b<V, KIND>(a.B, bo + v * W);
    for (int i = 0; i < MB; i++) {
      R x = V::set1(a.A[i * a.lda + k]);
      for (int v = 0; v < NB; v++) acc[i][v] = V::fma(x, b[v], acc[i][v]);
    }
  }
  const float beta = first ? a.beta : 1.0f;
  for (int i = 0; i < MB; i++)
    for (int v = 0; v < NB; v++) V::store(a.C + i * a.ldc + j + v * W, acc[i][v], a.alpha, beta);
}

template <class V, int KIND>
void nn_range(const SmallArgs& a0, int64_t n0, int64_t n1) {
  constexpr int NB = V::NB, MB = V::MB, W = V::W, JW = NB * W;
  constexpr int64_t KC = 256;  // a KC x JW block of B (64 KiB at most) is reused by every row block of A
  int64_t j = n0;
  for (; j + JW <= n1; j += JW)
    for (int64_t k0 = 0; k0 < a0.K; k0 += KC) {
      const int64_t k1 = std::min(a0.K, k0 + KC);
      SmallArgs a = a0;
      for (int m = 0; m < a0.M; m += MB, a.A += MB * a0.lda, a.C += MB * a0.ldc) {
        switch (std::min(MB, a0.M - m)) {
          case 1: nn_tile<V, KIND, 1>(a, j, k0, k1, k0 == 0); break;
          case 2: if constexpr (MB >= 2) nn_tile<V, KIND, 2>(a, j, k0, k1, k0 == 0); break;
          case 3: if constexpr (MB >= 3) nn_tile<V, KIND, 3>(a, j, k0, k1, k0 == 0); break;
          default: if constexpr (MB >= 4) nn_tile<V, KIND, MB>(a, j, k0, k1, k0 == 0); break;
        }
      }
    }
  if (j < n1) {  // column tail: scalar, row by row
    const int64_t w = n1 - j;
    float acc[JW];
    for (int m = 0; m < a0.M; m++) {
      std::fill(acc, acc + w, 0.0f);
      const float* x = a0.A + m * a0.lda;
      for (int64_t k = 0; k < a0.K; k++) {
        const int64_t bo = k * a0.ldb + j;
        for (int64_t c = 0; c < w; c++) acc[c] += x[k] * load_b1<KIND>(a0.B, bo + c);
      }
      for (int64_t c = 0; c < w; c++) put(a0.C + m * a0.ldc + j + c, acc[c], a0.alpha, a0.beta);
    }
  }
}

template <class V>
SmallFn pick(bool nt, Dtype bt) {
  const int kind = bt == Dtype::float16 ? 1 : bt == Dtype::bfloat16 ? 2 : 0;
  if (nt) return kind == 0 ? nt_range<V, 0> : kind == 1 ? nt_range<V, 1> : nt_range<V, 2>;
  return kind == 0 ? nn_range<V, 0> : kind == 1 ? nn_range<V, 1> : nn_range<V, 2>;
}

}  // namespace
}  // namespace mlx::cpu::gemm_detail::small_m
