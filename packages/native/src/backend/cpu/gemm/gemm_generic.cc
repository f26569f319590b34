// Portable microkernel (plain C++ the compiler vectorises at the baseline ISA) and the simple blocked
// kernel for float64 / complex64.
#include <algorithm>
#include <vector>

#include "gemm.h"

namespace mlx::cpu::gemm_detail {

namespace {

constexpr int MR = 4, NR = 8;

void tile(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, float alpha, float beta) {
  float acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; k++) {
    for (int i = 0; i < MR; i++) {
      float a = A[i];
      for (int j = 0; j < NR; j++) acc[i][j] += a * B[j];
    }
    A += MR;
    B += NR;
  }
  for (int i = 0; i < MR; i++) {
    float* r = C + i * ldc;
    if (beta == 0.0f)
      for (int j = 0; j < NR; j++) r[j] = alpha * acc[i][j];
    else
      for (int j = 0; j < NR; j++) r[j] = alpha * acc[i][j] + beta * r[j];
  }
}

float dot(const float* x, const float* y, int64_t n) {
  float s[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) s[j] += x[i + j] * y[i + j];
  float r = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  for (; i < n; i++) r += x[i] * y[i];
  return r;
}

void axpy(float a, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
}

void f16_to_f32(const uint16_t* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = half_to_float(x[i]);
}
void bf16_to_f32(const uint16_t* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = bf16_to_float(x[i]);
}

const GemmKernel kg{"generic", MR, NR, 128, 256, 4096, tile, dot, axpy, f16_to_f32, bf16_to_f32};

}  // namespace

const GemmKernel& kernel_generic() { return kg; }

// Plain complex product: std::complex's operator* takes the slow C99 Annex G path (__mulsc3).
inline double mul(double a, double b) { return a * b; }
inline complex64_t mul(complex64_t a, complex64_t b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

template <typename T>
void gemm_simple(int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t a_rs, int64_t a_cs, const T* B,
                 int64_t b_rs, int64_t b_cs, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; i++) {
    T* c = C + i * ldc;
    if (beta == T(0)) std::fill(c, c + N, T(0));
    else if (beta != T(1)) for (int64_t j = 0; j < N; j++) c[j] = mul(c[j], beta);
  }
  if (K == 0) return;
  // Pack a KB x JB block of B row-major so the inner loop is a contiguous axpy over C's row.
  constexpr int64_t KB = 128, JB = 512;
  std::vector<T> bp((size_t)(std::min(K, KB) * std::min(N, JB)));
  for (int64_t j0 = 0; j0 < N; j0 += JB) {
    int64_t nb = std::min(JB, N - j0);
    for (int64_t k0 = 0; k0 < K; k0 += KB) {
      int64_t kb = std::min(KB, K - k0);
      for (int64_t k = 0; k < kb; k++)
        for (int64_t j = 0; j < nb; j++) bp[k * nb + j] = B[(k0 + k) * b_rs + (j0 + j) * b_cs];
      for (int64_t i = 0; i < M; i++) {
        T* c = C + i * ldc + j0;
        const T* a = A + i * a_rs + k0 * a_cs;
        for (int64_t k = 0; k < kb; k++) {
          T av = mul(alpha, a[k * a_cs]);
          const T* b = bp.data() + k * nb;
          for (int64_t j = 0; j < nb; j++) c[j] += mul(av, b[j]);
        }
      }
    }
  }
}

template void gemm_simple<double>(int64_t, int64_t, int64_t, double, const double*, int64_t, int64_t,
                                  const double*, int64_t, int64_t, double, double*, int64_t);
template void gemm_simple<complex64_t>(int64_t, int64_t, int64_t, complex64_t, const complex64_t*, int64_t,
                                       int64_t, const complex64_t*, int64_t, int64_t, complex64_t,
                                       complex64_t*, int64_t);

}  // namespace mlx::cpu::gemm_detail
