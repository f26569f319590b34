// AVX2 microkernel: 6 x 16 tile (12 ymm accumulators, two B vectors, one broadcast A), FMA.
#if defined(MLX_X86)
#include <immintrin.h>

#include "gemm.h"
#include "small_m.h"

namespace mlx::cpu::gemm_detail {

namespace {

constexpr int MR = 6, NR = 16;

#define MLX_G_DECL(i) __m256 c##i##0 = _mm256_setzero_ps(), c##i##1 = _mm256_setzero_ps();
#define MLX_G_FMA(i)                                   \
  {                                                    \
    __m256 a = _mm256_broadcast_ss(A + i);             \
    c##i##0 = _mm256_fmadd_ps(a, b0, c##i##0);         \
    c##i##1 = _mm256_fmadd_ps(a, b1, c##i##1);         \
  }
#define MLX_G_STORE(i)                                                                                  \
  {                                                                                                     \
    float* r = C + (i) * ldc;                                                                           \
    if (beta == 0.0f) {                                                                                 \
      _mm256_storeu_ps(r, _mm256_mul_ps(va, c##i##0));                                                  \
      _mm256_storeu_ps(r + 8, _mm256_mul_ps(va, c##i##1));                                              \
    } else {                                                                                            \
      _mm256_storeu_ps(r, _mm256_fmadd_ps(va, c##i##0, _mm256_mul_ps(vb, _mm256_loadu_ps(r))));         \
      _mm256_storeu_ps(r + 8, _mm256_fmadd_ps(va, c##i##1, _mm256_mul_ps(vb, _mm256_loadu_ps(r + 8)))); \
    }                                                                                                   \
  }
#define MLX_G_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

void tile(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, float alpha, float beta) {
  MLX_G_ROWS(MLX_G_DECL)
  for (int i = 0; i < MR; i++) _mm_prefetch((const char*)(C + i * ldc), _MM_HINT_T0);
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; k++) {
    __m256 b0 = _mm256_load_ps(B), b1 = _mm256_load_ps(B + 8);
    MLX_G_ROWS(MLX_G_FMA)
    A += MR;
    B += NR;
  }
  __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  MLX_G_ROWS(MLX_G_STORE)
}

#undef MLX_G_DECL
#undef MLX_G_FMA
#undef MLX_G_STORE
#undef MLX_G_ROWS

float dot(const float* x, const float* y, int64_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), s1);
    s2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 16), _mm256_loadu_ps(y + i + 16), s2);
    s3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 24), _mm256_loadu_ps(y + i + 24), s3);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), s0);
  __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_movehdup_ps(h));
  float r = _mm_cvtss_f32(h);
  for (; i < n; i++) r += x[i] * y[i];
  return r;
}

void axpy(float a, const float* x, float* y, int64_t n) {
  __m256 va = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    _mm256_storeu_ps(y + i + 8, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8)));
  }
  for (; i < n; i++) y[i] += a * x[i];
}

void f16_to_f32(const uint16_t* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(x + i))));
  for (; i < n; i++) y[i] = half_to_float(x[i]);
}

void bf16_to_f32(const uint16_t* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)(x + i)));
    _mm256_storeu_ps(y + i, _mm256_castsi256_ps(_mm256_slli_epi32(v, 16)));
  }
  for (; i < n; i++) y[i] = bf16_to_float(x[i]);
}

struct V256 {
  using R = __m256;
  static constexpr int W = 8, MB = 2, NB = 4;  // 8 accumulators + 4 B vectors fit the 16 ymm registers
  static R zero() { return _mm256_setzero_ps(); }
  static R set1(float v) { return _mm256_set1_ps(v); }
  static R load(const float* p) { return _mm256_loadu_ps(p); }
  static R load_h(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)p)); }
  static R load_b(const uint16_t* p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)p)), 16));
  }
  static R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static void prefetch(const char* p) { _mm_prefetch(p, _MM_HINT_T0); }
  static float sum(R v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static void store(float* c, R v, float alpha, float beta) {
    R r = _mm256_mul_ps(_mm256_set1_ps(alpha), v);
    if (beta != 0.0f) r = _mm256_fmadd_ps(_mm256_set1_ps(beta), _mm256_loadu_ps(c), r);
    _mm256_storeu_ps(c, r);
  }
};
SmallFn small(bool nt, Dtype bt) { return small_m::pick<V256>(nt, bt); }

// kc x nr B panel (16 KiB) in L1, mc x kc A block (192 KiB) in L2.
const GemmKernel k2{"avx2", MR, NR, 192, 256, 4096, tile, dot, axpy, f16_to_f32, bf16_to_f32, small};

}  // namespace

const GemmKernel& kernel_avx2() { return k2; }

}  // namespace mlx::cpu::gemm_detail
#endif
