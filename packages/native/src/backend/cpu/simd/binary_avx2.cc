// AVX2 rows for binary arithmetic: float32, float16 (F16C), float64 and int32. Only whole
// vectors are processed; the caller finishes the tail with the portable loop.
#if defined(MLX_X86)
#include <immintrin.h>

#include "binary_simd.h"

namespace mlx::cpu::simd {

namespace {

struct F32 {
  using E = float; using V = __m256;
  static constexpr int W = 8;
  static V load(const E* p) { return _mm256_loadu_ps(p); }
  static V set1(const E* p) { return _mm256_set1_ps(*p); }
  static void store(E* p, V v) { _mm256_storeu_ps(p, v); }
};
struct F16 {
  using E = uint16_t; using V = __m256;
  static constexpr int W = 8;
  static V load(const E* p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)p)); }
  static V set1(const E* p) { return _mm256_cvtph_ps(_mm_set1_epi16((short)*p)); }
  static void store(E* p, V v) {
    _mm_storeu_si128((__m128i*)p, _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
};
struct F64 {
  using E = double; using V = __m256d;
  static constexpr int W = 4;
  static V load(const E* p) { return _mm256_loadu_pd(p); }
  static V set1(const E* p) { return _mm256_set1_pd(*p); }
  static void store(E* p, V v) { _mm256_storeu_pd(p, v); }
};
struct I32 {
  using E = int32_t; using V = __m256i;
  static constexpr int W = 8;
  static V load(const E* p) { return _mm256_loadu_si256((const __m256i*)p); }
  static V set1(const E* p) { return _mm256_set1_epi32(*p); }
  static void store(E* p, V v) { _mm256_storeu_si256((__m256i*)p, v); }
};

struct Add {
  static __m256 f(__m256 a, __m256 b) { return _mm256_add_ps(a, b); }
  static __m256d f(__m256d a, __m256d b) { return _mm256_add_pd(a, b); }
  static __m256i f(__m256i a, __m256i b) { return _mm256_add_epi32(a, b); }
};
struct Sub {
  static __m256 f(__m256 a, __m256 b) { return _mm256_sub_ps(a, b); }
  static __m256d f(__m256d a, __m256d b) { return _mm256_sub_pd(a, b); }
  static __m256i f(__m256i a, __m256i b) { return _mm256_sub_epi32(a, b); }
};
struct Mul {
  static __m256 f(__m256 a, __m256 b) { return _mm256_mul_ps(a, b); }
  static __m256d f(__m256d a, __m256d b) { return _mm256_mul_pd(a, b); }
  static __m256i f(__m256i a, __m256i b) { return _mm256_mullo_epi32(a, b); }
};
struct Div {
  static __m256 f(__m256 a, __m256 b) { return _mm256_div_ps(a, b); }
  static __m256d f(__m256d a, __m256d b) { return _mm256_div_pd(a, b); }
};
// A NaN in `a` is returned as is (vmaxps alone would return b).
struct Max {
  static __m256 f(__m256 a, __m256 b) { return _mm256_blendv_ps(_mm256_max_ps(a, b), a, _mm256_cmp_ps(a, a, _CMP_UNORD_Q)); }
  static __m256d f(__m256d a, __m256d b) { return _mm256_blendv_pd(_mm256_max_pd(a, b), a, _mm256_cmp_pd(a, a, _CMP_UNORD_Q)); }
  static __m256i f(__m256i a, __m256i b) { return _mm256_max_epi32(a, b); }
};
struct Min {
  static __m256 f(__m256 a, __m256 b) { return _mm256_blendv_ps(_mm256_min_ps(a, b), a, _mm256_cmp_ps(a, a, _CMP_UNORD_Q)); }
  static __m256d f(__m256d a, __m256d b) { return _mm256_blendv_pd(_mm256_min_pd(a, b), a, _mm256_cmp_pd(a, a, _CMP_UNORD_Q)); }
  static __m256i f(__m256i a, __m256i b) { return _mm256_min_epi32(a, b); }
};
struct And { static __m256i f(__m256i a, __m256i b) { return _mm256_and_si256(a, b); } };
struct Or { static __m256i f(__m256i a, __m256i b) { return _mm256_or_si256(a, b); } };
struct Xor { static __m256i f(__m256i a, __m256i b) { return _mm256_xor_si256(a, b); } };

template <typename L, typename Op, int Mode>
int64_t arith_mode(const void* a_, const void* b_, void* o_, int64_t n) {
  using E = typename L::E;
  using V = typename L::V;
  const E* a = static_cast<const E*>(a_);
  const E* b = static_cast<const E*>(b_);
  E* o = static_cast<E*>(o_);
  V xa{}, xb{};
  if constexpr (Mode == 1) xa = L::set1(a);
  if constexpr (Mode == 2) xb = L::set1(b);
  int64_t i = 0;
#pragma GCC unroll 2
  for (; i + L::W <= n; i += L::W) {
    V va, vb;
    if constexpr (Mode == 1) va = xa; else va = L::load(a + i);
    if constexpr (Mode == 2) vb = xb; else vb = L::load(b + i);
    L::store(o + i, Op::f(va, vb));
  }
  return i;
}

template <typename L, typename Op>
int64_t arith(const void* a, const void* b, void* o, int64_t n, RowMode mode) {
  switch (mode) {
    case RowMode::sv: return arith_mode<L, Op, 1>(a, b, o, n);
    case RowMode::vs: return arith_mode<L, Op, 2>(a, b, o, n);
    default: return arith_mode<L, Op, 0>(a, b, o, n);
  }
}

template <typename L>
BinaryRowFn float_lanes(BinaryOp op) {
  switch (op) {
    case BinaryOp::add: return &arith<L, Add>;
    case BinaryOp::subtract: return &arith<L, Sub>;
    case BinaryOp::multiply: return &arith<L, Mul>;
    case BinaryOp::divide: return &arith<L, Div>;
    case BinaryOp::maximum: return &arith<L, Max>;
    case BinaryOp::minimum: return &arith<L, Min>;
    default: return nullptr;
  }
}

}  // namespace

BinaryRowFn binary_row_avx2(BinaryOp op, Dtype dt) {
  switch (dt) {
    case Dtype::float32: return float_lanes<F32>(op);
    case Dtype::float16: return float_lanes<F16>(op);
    case Dtype::float64: return float_lanes<F64>(op);
    case Dtype::int32:
      switch (op) {
        case BinaryOp::add: return &arith<I32, Add>;
        case BinaryOp::subtract: return &arith<I32, Sub>;
        case BinaryOp::multiply: return &arith<I32, Mul>;
        case BinaryOp::maximum: return &arith<I32, Max>;
        case BinaryOp::minimum: return &arith<I32, Min>;
        case BinaryOp::bitwise_and: return &arith<I32, And>;
        case BinaryOp::bitwise_or: return &arith<I32, Or>;
        case BinaryOp::bitwise_xor: return &arith<I32, Xor>;
        default: return nullptr;
      }
    default: return nullptr;
  }
}

}  // namespace mlx::cpu::simd
#endif
