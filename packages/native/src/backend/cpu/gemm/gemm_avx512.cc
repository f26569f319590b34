// AVX-512 microkernel: 6 x 64 tile (24 zmm accumulators, four B vectors, one broadcast A per row), FMA.
// C rows are contiguous, so the vector dimension runs along N and A values are broadcast. 6 x 64 needs 10 loads per
// 24 FMAs where 12 x 32 needed 14: on this core (Emerald Rapids VM) the tile ran ~12 % faster from L1/L2
// (138-143 vs 122-129 GF/s single-threaded, kc 128-384), so the GEMMs of ViT/Whisper encoders gain the same.
#if defined(MLX_X86)
#include <immintrin.h>

#include "gemm.h"
#include "small_m.h"

namespace mlx::cpu::gemm_detail {

namespace {

constexpr int MR = 6, NR = 64;

#define MLX_G_DECL(i) __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = c##i##0, c##i##2 = c##i##0, c##i##3 = c##i##0;
#define MLX_G_FMA(i)                                   \
  {                                                    \
    __m512 a = _mm512_set1_ps(A[i]);                   \
    c##i##0 = _mm512_fmadd_ps(a, b0, c##i##0);         \
    c##i##1 = _mm512_fmadd_ps(a, b1, c##i##1);         \
    c##i##2 = _mm512_fmadd_ps(a, b2, c##i##2);         \
    c##i##3 = _mm512_fmadd_ps(a, b3, c##i##3);         \
  }
#define MLX_G_ST1(r, acc)                                                                             \
  if (beta == 0.0f) _mm512_storeu_ps(r, _mm512_mul_ps(va, acc));                                       \
  else _mm512_storeu_ps(r, _mm512_fmadd_ps(va, acc, _mm512_mul_ps(vb, _mm512_loadu_ps(r))));
#define MLX_G_STORE(i)                                                                   \
  {                                                                                      \
    float* r = C + (i) * ldc;                                                            \
    MLX_G_ST1(r, c##i##0) MLX_G_ST1(r + 16, c##i##1) MLX_G_ST1(r + 32, c##i##2) MLX_G_ST1(r + 48, c##i##3) \
  }
#define MLX_G_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

void tile(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, float alpha, float beta) {
  MLX_G_ROWS(MLX_G_DECL)
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < NR; j += 16) _mm_prefetch((const char*)(C + i * ldc + j), _MM_HINT_T0);
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; k++) {
    __m512 b0 = _mm512_load_ps(B), b1 = _mm512_load_ps(B + 16), b2 = _mm512_load_ps(B + 32), b3 = _mm512_load_ps(B + 48);
    MLX_G_ROWS(MLX_G_FMA)
    A += MR;
    B += NR;
  }
  __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  MLX_G_ROWS(MLX_G_STORE)
}

#undef MLX_G_DECL
#undef MLX_G_FMA
#undef MLX_G_ST1
#undef MLX_G_STORE
#undef MLX_G_ROWS

// The previous 12 x 32 tile, selectable with MLX_GEMM_TILE=12x32 for before/after benchmarks (bench/vlm).
namespace t12x32 {
constexpr int MR = 12, NR = 32;

#define MLX_G_DECL(i) __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = _mm512_setzero_ps();
#define MLX_G_FMA(i)                                   \
  {                                                    \
    __m512 a = _mm512_set1_ps(A[i]);                   \
    c##i##0 = _mm512_fmadd_ps(a, b0, c##i##0);         \
    c##i##1 = _mm512_fmadd_ps(a, b1, c##i##1);         \
  }
#define MLX_G_STORE(i)                                                                   \
  {                                                                                      \
    float* r = C + (i) * ldc;                                                            \
    if (beta == 0.0f) {                                                                  \
      _mm512_storeu_ps(r, _mm512_mul_ps(va, c##i##0));                                   \
      _mm512_storeu_ps(r + 16, _mm512_mul_ps(va, c##i##1));                              \
    } else {                                                                             \
      _mm512_storeu_ps(r, _mm512_fmadd_ps(va, c##i##0, _mm512_mul_ps(vb, _mm512_loadu_ps(r))));           \
      _mm512_storeu_ps(r + 16, _mm512_fmadd_ps(va, c##i##1, _mm512_mul_ps(vb, _mm512_loadu_ps(r + 16)))); \
    }                                                                                    \
  }
#define MLX_G_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

void tile(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, float alpha, float beta) {
  MLX_G_ROWS(MLX_G_DECL)
  for (int i = 0; i < MR; i++) {
    _mm_prefetch((const char*)(C + i * ldc), _MM_HINT_T0);
    _mm_prefetch((const char*)(C + i * ldc + 16), _MM_HINT_T0);
  }
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; k++) {
    _mm_prefetch((const char*)(A + 8 * MR), _MM_HINT_T0);  // A streams from L2
    __m512 b0 = _mm512_load_ps(B), b1 = _mm512_load_ps(B + 16);
    MLX_G_ROWS(MLX_G_FMA)
    A += MR;
    B += NR;
  }
  __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  MLX_G_ROWS(MLX_G_STORE)
}

#undef MLX_G_DECL
#undef MLX_G_FMA
#undef MLX_G_STORE
#undef MLX_G_ROWS
}  // namespace t12x32

float dot(const float* x, const float* y, int64_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(y + i + 16), s1);
    s2 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 32), _mm512_loadu_ps(y + i + 32), s2);
    s3 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 48), _mm512_loadu_ps(y + i + 48), s3);
  }
  for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), s0);
  if (i < n) {
    __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
    s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i), s1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

void axpy(float a, const float* x, float* y, int64_t n) {
  __m512 va = _mm512_set1_ps(a);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    _mm512_storeu_ps(y + i + 16, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(y + i + 16)));
  }
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
  if (i < n) {
    __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(y + i, m, _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i)));
  }
}

void f16_to_f32(const uint16_t* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(x + i))));
  for (; i < n; i++) y[i] = half_to_float(x[i]);
}

void bf16_to_f32(const uint16_t* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512i v = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i*)(x + i)));
    _mm512_storeu_ps(y + i, _mm512_castsi512_ps(_mm512_slli_epi32(v, 16)));
  }
  for (; i < n; i++) y[i] = bf16_to_float(x[i]);
}

struct V512 {
  using R = __m512;
  static constexpr int W = 16, MB = 4, NB = 4;
  static R zero() { return _mm512_setzero_ps(); }
  static R set1(float v) { return _mm512_set1_ps(v); }
  static R load(const float* p) { return _mm512_loadu_ps(p); }
  static R load_h(const uint16_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)p)); }
  static R load_b(const uint16_t* p) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i*)p)), 16));
  }
  static R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  // small-M row prefetch into L2 (T1): streaming GEMV rows ran ~15% faster than with T0 (fewer L1 fill buffers held)
  static void prefetch(const char* p) { _mm_prefetch(p, _MM_HINT_T1); }
  static float sum(R v) { return _mm512_reduce_add_ps(v); }
  static void store(float* c, R v, float alpha, float beta) {
    R r = _mm512_mul_ps(_mm512_set1_ps(alpha), v);
    if (beta != 0.0f) r = _mm512_fmadd_ps(_mm512_set1_ps(beta), _mm512_loadu_ps(c), r);
    _mm512_storeu_ps(c, r);
  }
};
SmallFn small(bool nt, Dtype bt) { return small_m::pick<V512>(nt, bt); }

// The kc x nr B panel (128 KiB at kc = 512) and the 6-row A panels stream from L2; the mc x kc A block (<= 960 KiB)
// stays in L2. kc 512 instead of 256 halves the passes over C: 3-8 % faster on ViT / Whisper encoder GEMMs here.
const GemmKernel k512{"avx512", MR, NR, 480, 512, 4096, tile, dot, axpy, f16_to_f32, bf16_to_f32, small};
const GemmKernel k512_12x32{"avx512-12x32", 12, 32, 480, 256, 4096, t12x32::tile, dot, axpy, f16_to_f32, bf16_to_f32, small};

}  // namespace

const GemmKernel& kernel_avx512() { return k512; }
const GemmKernel& kernel_avx512_12x32() { return k512_12x32; }

}  // namespace mlx::cpu::gemm_detail
#endif
