// Per-ISA float32 row and tile kernels behind mx.fast (fast_simd.h compiled per ISA).
#pragma once
#include <cstdint>

namespace mlx::cpu {

// Attention tiles work on blocks of kFastBK keys.
inline constexpr int kFastBK = 64;

struct FastKernels {
  int vw;  // vector width in floats: Q/V/O rows are padded to a multiple of it
  float (*sum)(const float* x, int64_t n);
  float (*sumsq)(const float* x, float mu, int64_t n);  // sum (x - mu)^2
  // y = ((x - mu) * r) * w + b; w / b may be null.
  void (*norm_apply)(const float* x, float mu, float r, const float* w, const float* b, float* y, int64_t n);
  // Kt[d * BK + j] = K[j * ldk + d] for j < nk, d < D (float32 rows of unit stride; nk <= BK). Columns
  // nk .. BK-1 get arbitrary values (their scores are masked).
  void (*pack_kt)(const float* K, int64_t ldk, int nk, int D, float* Kt);
  // S[r * BK + j] = sum_d Q[r * ldq + d] * Kt[d * BK + j] for r < rows, j < BK.
  void (*qk)(const float* Q, int64_t ldq, int rows, const float* Kt, int D, float* S);
  // Online softmax over one S tile (rows x BK, masked entries already filled): m, l and alpha per row;
  // S is replaced by exp(S - m_new).
  void (*softmax_step)(float* S, int rows, float* m, float* l, float* alpha);
  // O[r] = O[r] * alpha[r] + sum_{j < n} P[r * BK + j] * V[j * ldv] over dvp columns (a multiple of vw).
  void (*pv)(const float* P, int rows, int n, const float* V, int64_t ldv, int dvp, float* O, int64_t ldo,
             const float* alpha);
};

#if defined(MLX_X86)
const FastKernels& fast_kernels_avx2();
const FastKernels& fast_kernels_avx512();
#endif
const FastKernels& fast_kernels();  // the best for this machine

}  // namespace mlx::cpu
