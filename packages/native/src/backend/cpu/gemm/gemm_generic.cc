// Portable microkernel (plain C++ the compiler vectorises at the baseline ISA) and the simple blocked
// kernel for float64 / complex64.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "gemm.h"
#include "small_m.h"

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

// Scalar "vectors" (the compiler may still vectorise the tile loops).
struct V1 {
  using R = float;
  static constexpr int W = 1, MB = 4, NB = 4;
  static R zero() { return 0.0f; }
  static R set1(float v) { return v; }
  static R load(const float* p) { return *p; }
  static R load_h(const uint16_t* p) { return half_to_float(*p); }
  static R load_b(const uint16_t* p) { return bf16_to_float(*p); }
  static R fma(R a, R b, R c) { return a * b + c; }
  static float sum(R v) { return v; }
  static void prefetch(const char*) {}
  static void store(float* c, R v, float alpha, float beta) { *c = beta == 0.0f ? alpha * v : alpha * v + beta * *c; }
};
SmallFn small(bool nt, Dtype bt) { return small_m::pick<V1>(nt, bt); }

const GemmKernel kg{"generic", MR, NR, 128, 256, 4096, tile, dot, axpy, f16_to_f32, bf16_to_f32, small};

}  // namespace

const GemmKernel& kernel_generic() { return kg; }

// Plain complex product: std::complex's operator* takes the slow C99 Annex G path (__mulsc3).
inline double mul(double a, double b) { return a * b; }
inline complex64_t mul(complex64_t a, complex64_t b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

// float64: packed panels and a 4 x 4 register tile (plain C++ the compiler vectorises); C already scaled by beta.
void gemm_f64_tiled(int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t a_rs, int64_t a_cs,
                    const double* B, int64_t b_rs, int64_t b_cs, double* C, int64_t ldc) {
  constexpr int64_t KB = 256, JB = 256;
  const int64_t nbp_max = (std::min(N, JB) + 3) / 4 * 4, kb_max = std::min(K, KB);
  std::vector<double> bp((size_t)(kb_max * nbp_max)), ap((size_t)(kb_max * 4));
  for (int64_t j0 = 0; j0 < N; j0 += JB) {
    const int64_t nb = std::min(JB, N - j0), nbp = (nb + 3) / 4 * 4;
    for (int64_t k0 = 0; k0 < K; k0 += KB) {
      const int64_t kb = std::min(KB, K - k0);
      for (int64_t q = 0; q < nbp; q += 4)  // panels of 4 columns: bp[q*kb + k*4 + c]
        for (int64_t k = 0; k < kb; k++)
          for (int c = 0; c < 4; c++)
            bp[q * kb + k * 4 + c] = q + c < nb ? B[(k0 + k) * b_rs + (j0 + q + c) * b_cs] : 0.0;
      for (int64_t i0 = 0; i0 < M; i0 += 4) {
        const int m = (int)std::min<int64_t>(4, M - i0);
        for (int64_t k = 0; k < kb; k++)
          for (int r = 0; r < 4; r++) ap[k * 4 + r] = r < m ? alpha * A[(i0 + r) * a_rs + (k0 + k) * a_cs] : 0.0;
        for (int64_t q = 0; q < nbp; q += 4) {
          double acc[4][4] = {};
          const double* bq = bp.data() + q * kb;
          for (int64_t k = 0; k < kb; k++)
            for (int r = 0; r < 4; r++)
              for (int c = 0; c < 4; c++) acc[r][c] += ap[k * 4 + r] * bq[k * 4 + c];
          const int n = (int)std::min<int64_t>(4, nb - q);
          for (int r = 0; r < m; r++)
            for (int c = 0; c < n; c++) C[(i0 + r) * ldc + j0 + q + c] += acc[r][c];
        }
      }
    }
  }
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
  if constexpr (std::is_same_v<T, double>) {
    gemm_f64_tiled(M, N, K, alpha, A, a_rs, a_cs, B, b_rs, b_cs, C, ldc);
    return;
  }
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
