// AVX2 + FMA instantiation of the unary float32 kernels (math in unary_simd.h), and the
// F16C / bfloat16 conversions used by the half-precision paths.
#if defined(MLX_X86)
#include <immintrin.h>

#define MLX_UNARY_SIMD_IMPL
#include "unary_simd.h"

namespace mlx::cpu::simd {

namespace {

struct V256 {
  using F = __m256;
  using I = __m256i;
  using M = __m256;  // lane masks as all-ones / all-zeros floats
  static constexpr int W = 8;
  static F load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static F set1(float v) { return _mm256_set1_ps(v); }
  static I seti(int v) { return _mm256_set1_epi32(v); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F div(F a, F b) { return _mm256_div_ps(a, b); }
  static F fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F fnma(F a, F b, F c) { return _mm256_fnmadd_ps(a, b, c); }
  static F sqrt(F a) { return _mm256_sqrt_ps(a); }
  static F min(F a, F b) { return _mm256_min_ps(a, b); }
  static F max(F a, F b) { return _mm256_max_ps(a, b); }
  static F abs(F a) { return _mm256_and_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff))); }
  static F neg(F a) { return _mm256_xor_ps(a, _mm256_set1_ps(-0.0f)); }
  static F rint(F a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static F floor(F a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  static F ceil(F a) { return _mm256_round_ps(a, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); }
  static M lt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static M le(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
  static M gt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static M eq(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  static M unord(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_UNORD_Q); }
  static F select(M m, F a, F b) { return _mm256_blendv_ps(b, a, m); }
  static M mor(M a, M b) { return _mm256_or_ps(a, b); }
  static M mnot(M a) { return _mm256_xor_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(-1))); }
  static bool any(M a) { return _mm256_movemask_ps(a) != 0; }
  static bool all(M a) { return _mm256_movemask_ps(a) == 0xff; }
  static F fand(F a, F b) { return _mm256_and_ps(a, b); }
  static F for_(F a, F b) { return _mm256_or_ps(a, b); }
  static F fxor(F a, F b) { return _mm256_xor_ps(a, b); }
  static I asint(F a) { return _mm256_castps_si256(a); }
  static F asfloat(I a) { return _mm256_castsi256_ps(a); }
  static I cvt_f2i(F a) { return _mm256_cvtps_epi32(a); }
  static F cvt_i2f(I a) { return _mm256_cvtepi32_ps(a); }
  static I iadd(I a, I b) { return _mm256_add_epi32(a, b); }
  static I isub(I a, I b) { return _mm256_sub_epi32(a, b); }
  static I iand(I a, I b) { return _mm256_and_si256(a, b); }
  static I ior(I a, I b) { return _mm256_or_si256(a, b); }
  static I srli23(I a) { return _mm256_srli_epi32(a, 23); }
  static I slli23(I a) { return _mm256_slli_epi32(a, 23); }
  static I slli30(I a) { return _mm256_slli_epi32(a, 30); }
  static M ieq(I a, I b) { return _mm256_castsi256_ps(_mm256_cmpeq_epi32(a, b)); }
  // 2^n in two exact steps so neither factor leaves the normal range (n in [-160, 160]).
  static F ldexp(F y, F n) {
    F n1 = _mm256_floor_ps(_mm256_mul_ps(n, _mm256_set1_ps(0.5f)));
    F n2 = _mm256_sub_ps(n, n1);
    auto pow2 = [](F k) {
      return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23));
    };
    return _mm256_mul_ps(_mm256_mul_ps(y, pow2(n1)), pow2(n2));
  }
};

}  // namespace

F32Kernel unary_f32_avx2(UnaryOp op) { return make_unary_table<V256>(op); }

void f16_to_f32_avx2(const uint16_t* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(x + i))));
  for (; i < n; i++) y[i] = _cvtsh_ss(x[i]);
}
void f32_to_f16_avx2(const float* x, uint16_t* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128((__m128i*)(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < n; i++) y[i] = _cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT);
}
void bf16_to_f32_avx2(const uint16_t* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)(x + i)));
    _mm256_storeu_si256((__m256i*)(y + i), _mm256_slli_epi32(v, 16));
  }
  for (; i < n; i++) { uint32_t b = (uint32_t)x[i] << 16; __builtin_memcpy(y + i, &b, 4); }
}
void f32_to_bf16_avx2(const float* x, uint16_t* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 f = _mm256_loadu_ps(x + i);
    __m256i b = _mm256_castps_si256(f);
    __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(b, 16), _mm256_set1_epi32(1));
    __m256i r = _mm256_srli_epi32(_mm256_add_epi32(b, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff))), 16);
    __m256i qnan = _mm256_or_si256(_mm256_srli_epi32(b, 16), _mm256_set1_epi32(0x40));
    __m256i isnan = _mm256_castps_si256(_mm256_cmp_ps(f, f, _CMP_UNORD_Q));
    r = _mm256_blendv_epi8(r, qnan, isnan);
    // pack 8 x u32 (values < 2^16) into u16
    __m128i lo = _mm256_castsi256_si128(r), hi = _mm256_extracti128_si256(r, 1);
    _mm_storeu_si128((__m128i*)(y + i), _mm_packus_epi32(lo, hi));
  }
  for (; i < n; i++) {
    uint32_t b;
    __builtin_memcpy(&b, x + i, 4);
    if ((b & 0x7fffffff) > 0x7f800000) y[i] = (uint16_t)((b >> 16) | 0x40);
    else y[i] = (uint16_t)((b + 0x7fff + ((b >> 16) & 1)) >> 16);
  }
}

}  // namespace mlx::cpu::simd
#endif
