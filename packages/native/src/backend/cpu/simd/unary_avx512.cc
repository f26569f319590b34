// AVX-512 instantiation of the unary float32 kernels (math in unary_simd.h).
#if defined(MLX_X86)
#include <immintrin.h>

#define MLX_UNARY_SIMD_IMPL
#include "unary_simd.h"

namespace mlx::cpu::simd {

namespace {

struct V512 {
  using F = __m512;
  using I = __m512i;
  using M = __mmask16;
  static constexpr int W = 16;
  static F load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static F set1(float v) { return _mm512_set1_ps(v); }
  static I seti(int v) { return _mm512_set1_epi32(v); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F div(F a, F b) { return _mm512_div_ps(a, b); }
  static F fma(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static F fnma(F a, F b, F c) { return _mm512_fnmadd_ps(a, b, c); }  // c - a*b
  static F sqrt(F a) { return _mm512_sqrt_ps(a); }
  static F min(F a, F b) { return _mm512_min_ps(a, b); }  // b when either is NaN
  static F max(F a, F b) { return _mm512_max_ps(a, b); }
  static F abs(F a) { return _mm512_abs_ps(a); }
  static F neg(F a) { return _mm512_xor_ps(a, _mm512_set1_ps(-0.0f)); }
  static F rint(F a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static F floor(F a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  static F ceil(F a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); }
  static M lt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static M le(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
  static M gt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static M eq(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  static M unord(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q); }
  static F select(M m, F a, F b) { return _mm512_mask_blend_ps(m, b, a); }
  static M mor(M a, M b) { return a | b; }
  static M mnot(M a) { return (M)~a; }
  static bool any(M a) { return a != 0; }
  static bool all(M a) { return a == 0xffff; }
  static F fand(F a, F b) { return _mm512_and_ps(a, b); }
  static F for_(F a, F b) { return _mm512_or_ps(a, b); }
  static F fxor(F a, F b) { return _mm512_xor_ps(a, b); }
  static I asint(F a) { return _mm512_castps_si512(a); }
  static F asfloat(I a) { return _mm512_castsi512_ps(a); }
  static I cvt_f2i(F a) { return _mm512_cvtps_epi32(a); }
  static F cvt_i2f(I a) { return _mm512_cvtepi32_ps(a); }
  static I iadd(I a, I b) { return _mm512_add_epi32(a, b); }
  static I isub(I a, I b) { return _mm512_sub_epi32(a, b); }
  static I iand(I a, I b) { return _mm512_and_si512(a, b); }
  static I ior(I a, I b) { return _mm512_or_si512(a, b); }
  static I srli23(I a) { return _mm512_srli_epi32(a, 23); }
  static I slli23(I a) { return _mm512_slli_epi32(a, 23); }
  static I slli30(I a) { return _mm512_slli_epi32(a, 30); }
  static M ieq(I a, I b) { return _mm512_cmpeq_epi32_mask(a, b); }
  static F ldexp(F y, F n) { return _mm512_scalef_ps(y, n); }  // exact 2^n scaling, denormals included
};

}  // namespace

F32Kernel unary_f32_avx512(UnaryOp op) { return make_unary_table<V512>(op); }

}  // namespace mlx::cpu::simd
#endif
