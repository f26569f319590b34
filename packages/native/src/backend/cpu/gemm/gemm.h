// Packed (BLIS-style) GEMM for the CPU backend.
//   C = alpha * op(A) * op(B) + beta * C
// Operands are strided views: element (i, j) of a matrix lives at ptr[i * rs + j * cs] (strides in elements,
// any sign), so transposed or sliced inputs need no copy. C is row-major with leading dimension ldc.
// f32 runs the packed kernels; f16/bf16 are widened to f32 while packing (accumulation in f32) and rounded
// back on store; f64 and complex64 use a simple blocked portable kernel. Batches are looped by the caller.
#pragma once
#include <cstdint>

#include "../../../engine/dtype.h"

namespace mlx::cpu {

// A, B and C all have dtype dt. beta == 0 never reads C (so C may be uninitialised).
// `threads` = false keeps the call on the calling thread (the caller parallelises over a batch).
void gemm(Dtype dt, int64_t M, int64_t N, int64_t K, float alpha, const void* A, int64_t a_rs, int64_t a_cs,
          const void* B, int64_t b_rs, int64_t b_cs, float beta, void* C, int64_t ldc, bool threads = true);

// f32 C = alpha * A * B + bias (bias[j] added to every row, length N): the bias goes into each C tile right after
// the tile is first written (no separate pass over C). Strided A / B as in gemm().
void gemm_bias_f32(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t a_rs, int64_t a_cs,
                   const float* B, int64_t b_rs, int64_t b_cs, const float* bias, float* C, int64_t ldc,
                   bool threads = true);

// BLAS-style form: A is M x K (K x M stored when trans_a), lda/ldb are row strides of the stored matrices.
inline void gemm(Dtype dt, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                 const void* A, int64_t lda, const void* B, int64_t ldb, float beta, void* C, int64_t ldc,
                 bool threads = true) {
  gemm(dt, M, N, K, alpha, A, trans_a ? 1 : lda, trans_a ? lda : 1, B, trans_b ? 1 : ldb, trans_b ? ldb : 1,
       beta, C, ldc, threads);
}

// Rough count of multiply-adds above which gemm() uses the thread pool.
inline constexpr int64_t kGemmParallelWork = int64_t(1) << 21;

namespace gemm_detail {

// Small-M product (see small_m.h): C[m*ldc + n] = alpha * sum_k A[m*lda + k] * B(k, n) + beta * C[...] for
// m < M, n in [n0, n1); A f32 contiguous rows; B of dtype bt, B(k, n) = B[n*ldb + k] (nt) or B[k*ldb + n] (nn).
struct SmallArgs {
  const float* A;
  int64_t lda;
  int M;
  int64_t K;
  const void* B;
  int64_t ldb;
  float* C;
  int64_t ldc;
  float alpha, beta;
};
using SmallFn = void (*)(const SmallArgs&, int64_t n0, int64_t n1);

// One instruction set's microkernel and blocking. The tile kernel computes a full mr x nr block:
//   C[i*ldc + j] = alpha * sum_k A[k*mr + i] * B[k*nr + j] + beta * C[i*ldc + j]   (beta == 0: C not read)
// from panels packed by gemm.cc (zero padded to full mr / nr).
struct GemmKernel {
  const char* name;
  int mr, nr;  // register tile
  int mc, kc, nc;  // cache blocking: A block mc x kc (L2), B panel kc x nr (L1), B block kc x nc (L3)
  void (*tile)(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, float alpha, float beta);
  float (*dot)(const float* x, const float* y, int64_t n);          // sum x[i] * y[i]
  void (*axpy)(float a, const float* x, float* y, int64_t n);      // y += a * x
  void (*f16_to_f32)(const uint16_t* x, float* y, int64_t n);      // widening used while packing
  void (*bf16_to_f32)(const uint16_t* x, float* y, int64_t n);
  SmallFn (*small)(bool nt, Dtype bt);  // small-M kernels for B's layout and dtype
};

const GemmKernel& kernel_generic();
#if defined(MLX_X86)
const GemmKernel& kernel_avx2();
const GemmKernel& kernel_avx512();
const GemmKernel& kernel_avx512_12x32();  // the previous AVX-512 tile (MLX_GEMM_TILE=12x32)
#endif

// Portable blocked kernel for double and complex64 (T = double or complex64_t), C row-major.
template <typename T>
void gemm_simple(int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t a_rs, int64_t a_cs, const T* B,
                 int64_t b_rs, int64_t b_cs, T beta, T* C, int64_t ldc);

}  // namespace gemm_detail
}  // namespace mlx::cpu
