// AVX-512 rows for binary ops: float32/float16/bfloat16 (computed in float32 lanes), float64 and
// int32. Tails use masked loads/stores, so every row is finished here.
#if defined(MLX_X86)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 false positive in avx512fintrin.h
#include <immintrin.h>

#include "binary_simd.h"

namespace mlx::cpu::simd {

namespace {

struct F32 {
  using E = float; using V = __m512; using M = __mmask16;
  static constexpr int W = 16;
  static V load(const E* p) { return _mm512_loadu_ps(p); }
  static V load(const E* p, M m) { return _mm512_maskz_loadu_ps(m, p); }
  static V set1(const E* p) { return _mm512_set1_ps(*p); }
  static void store(E* p, V v) { _mm512_storeu_ps(p, v); }
  static void store(E* p, M m, V v) { _mm512_mask_storeu_ps(p, m, v); }
  static void stream(E* p, V v) { _mm512_stream_ps(p, v); }
};

struct F16 {
  using E = uint16_t; using V = __m512; using M = __mmask16;
  static constexpr int W = 16;
  static V load(const E* p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)p)); }
  static V load(const E* p, M m) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p)); }
  static V set1(const E* p) { return _mm512_cvtph_ps(_mm256_set1_epi16((short)*p)); }
  static __m256i pack(V v) { return _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static void store(E* p, V v) { _mm256_storeu_si256((__m256i*)p, pack(v)); }
  static void store(E* p, M m, V v) { _mm256_mask_storeu_epi16(p, m, pack(v)); }
};

struct BF16 {
  using E = uint16_t; using V = __m512; using M = __mmask16;
  static constexpr int W = 16;
  static V widen(__m256i h) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)); }
  static V load(const E* p) { return widen(_mm256_loadu_si256((const __m256i*)p)); }
  static V load(const E* p, M m) { return widen(_mm256_maskz_loadu_epi16(m, p)); }
  static V set1(const E* p) { return widen(_mm256_set1_epi16((short)*p)); }
  // Round to nearest even; NaN stays a quiet NaN (matches float_to_bf16 in half.h).
  static __m256i pack(V v) {
    __m512i x = _mm512_castps_si512(v);
    __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(x, 16), _mm512_set1_epi32(1));
    __m512i r = _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(x, _mm512_set1_epi32(0x7fff)), lsb), 16);
    __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    r = _mm512_mask_mov_epi32(r, nan, _mm512_or_si512(_mm512_srli_epi32(x, 16), _mm512_set1_epi32(0x40)));
    return _mm512_cvtepi32_epi16(r);
  }
  static void store(E* p, V v) { _mm256_storeu_si256((__m256i*)p, pack(v)); }
  static void store(E* p, M m, V v) { _mm256_mask_storeu_epi16(p, m, pack(v)); }
};

struct F64 {
  using E = double; using V = __m512d; using M = __mmask8;
  static constexpr int W = 8;
  static V load(const E* p) { return _mm512_loadu_pd(p); }
  static V load(const E* p, M m) { return _mm512_maskz_loadu_pd(m, p); }
  static V set1(const E* p) { return _mm512_set1_pd(*p); }
  static void store(E* p, V v) { _mm512_storeu_pd(p, v); }
  static void store(E* p, M m, V v) { _mm512_mask_storeu_pd(p, m, v); }
  static void stream(E* p, V v) { _mm512_stream_pd(p, v); }
};

struct I32 {
  using E = int32_t; using V = __m512i; using M = __mmask16;
  static constexpr int W = 16;
  static V load(const E* p) { return _mm512_loadu_si512(p); }
  static V load(const E* p, M m) { return _mm512_maskz_loadu_epi32(m, p); }
  static V set1(const E* p) { return _mm512_set1_epi32(*p); }
  static void store(E* p, V v) { _mm512_storeu_si512(p, v); }
  static void store(E* p, M m, V v) { _mm512_mask_storeu_epi32(p, m, v); }
  static void stream(E* p, V v) { _mm512_stream_si512((__m512i*)p, v); }
};

// Ops on lanes. max/min return a NaN operand like MLX (vmaxps alone returns the second one).
struct Add {
  static __m512 f(__m512 a, __m512 b) { return _mm512_add_ps(a, b); }
  static __m512d f(__m512d a, __m512d b) { return _mm512_add_pd(a, b); }
  static __m512i f(__m512i a, __m512i b) { return _mm512_add_epi32(a, b); }
};
struct Sub {
  static __m512 f(__m512 a, __m512 b) { return _mm512_sub_ps(a, b); }
  static __m512d f(__m512d a, __m512d b) { return _mm512_sub_pd(a, b); }
  static __m512i f(__m512i a, __m512i b) { return _mm512_sub_epi32(a, b); }
};
struct Mul {
  static __m512 f(__m512 a, __m512 b) { return _mm512_mul_ps(a, b); }
  static __m512d f(__m512d a, __m512d b) { return _mm512_mul_pd(a, b); }
  static __m512i f(__m512i a, __m512i b) { return _mm512_mullo_epi32(a, b); }
};
struct Div {
  static __m512 f(__m512 a, __m512 b) { return _mm512_div_ps(a, b); }
  static __m512d f(__m512d a, __m512d b) { return _mm512_div_pd(a, b); }
};
struct Max {
  static __m512 f(__m512 a, __m512 b) {
    return _mm512_mask_mov_ps(_mm512_max_ps(a, b), _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q), a);
  }
  static __m512d f(__m512d a, __m512d b) {
    return _mm512_mask_mov_pd(_mm512_max_pd(a, b), _mm512_cmp_pd_mask(a, a, _CMP_UNORD_Q), a);
  }
  static __m512i f(__m512i a, __m512i b) { return _mm512_max_epi32(a, b); }
};
struct Min {
  static __m512 f(__m512 a, __m512 b) {
    return _mm512_mask_mov_ps(_mm512_min_ps(a, b), _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q), a);
  }
  static __m512d f(__m512d a, __m512d b) {
    return _mm512_mask_mov_pd(_mm512_min_pd(a, b), _mm512_cmp_pd_mask(a, a, _CMP_UNORD_Q), a);
  }
  static __m512i f(__m512i a, __m512i b) { return _mm512_min_epi32(a, b); }
};
struct And { static __m512i f(__m512i a, __m512i b) { return _mm512_and_si512(a, b); } };
struct Or { static __m512i f(__m512i a, __m512i b) { return _mm512_or_si512(a, b); } };
struct Xor { static __m512i f(__m512i a, __m512i b) { return _mm512_xor_si512(a, b); } };

// Comparisons produce a lane mask; ordered predicates are false on NaN, not-equal is true.
template <int P> struct Cmp {
  static __mmask16 f(__m512 a, __m512 b) { return _mm512_cmp_ps_mask(a, b, P); }
  static __mmask16 f(__m512i a, __m512i b) {
    constexpr int ip = P == _CMP_EQ_OQ ? _MM_CMPINT_EQ : P == _CMP_NEQ_UQ ? _MM_CMPINT_NE
                     : P == _CMP_LT_OQ ? _MM_CMPINT_LT : P == _CMP_LE_OQ ? _MM_CMPINT_LE
                     : P == _CMP_GT_OQ ? _MM_CMPINT_NLE : _MM_CMPINT_NLT;
    return _mm512_cmp_epi32_mask(a, b, ip);
  }
};

template <typename L, int Mode, typename Fn>
inline void each(const typename L::E* a, const typename L::E* b, int64_t n, Fn&& fn) {
  using V = typename L::V;
  using M = typename L::M;
  constexpr int W = L::W;
  V xa{}, xb{};
  if constexpr (Mode == 1) xa = L::set1(a);
  if constexpr (Mode == 2) xb = L::set1(b);
  int64_t i = 0;
#pragma GCC unroll 2
  for (; i + W <= n; i += W) {
    V va, vb;
    if constexpr (Mode == 1) va = xa; else va = L::load(a + i);
    if constexpr (Mode == 2) vb = xb; else vb = L::load(b + i);
    fn(i, va, vb, (M)~M(0), true);
  }
  if (i < n) {
    M m = (M)((1u << (n - i)) - 1);
    V va, vb;
    if constexpr (Mode == 1) va = xa; else va = L::load(a + i, m);
    if constexpr (Mode == 2) vb = xb; else vb = L::load(b + i, m);
    fn(i, va, vb, m, false);
  }
}

template <typename L, typename Op, int Mode>
int64_t arith_plain(const typename L::E* a, const typename L::E* b, typename L::E* o, int64_t n) {
  each<L, Mode>(a, b, n,
                [&](int64_t i, typename L::V x, typename L::V y, typename L::M m, bool full) {
                  if (full) L::store(o + i, Op::f(x, y));
                  else L::store(o + i, m, Op::f(x, y));
                });
  return n;
}

template <typename L> concept Streamable = requires(typename L::E* p, typename L::V v) { L::stream(p, v); };

// Rows much larger than L2 write with non-temporal stores: the output then costs no
// read-for-ownership traffic (the threshold is per call, i.e. per thread's chunk).
constexpr int64_t kStreamBytes = 1 << 21;

template <typename L, typename Op, int Mode>
int64_t arith_mode(const void* a, const void* b, void* o_, int64_t n) {
  using E = typename L::E;
  E* o = static_cast<E*>(o_);
  if constexpr (Streamable<L>) {
    if (n * (int64_t)sizeof(E) >= kStreamBytes && (reinterpret_cast<uintptr_t>(o) % sizeof(E)) == 0) {
      // Head up to 64-byte alignment through the masked path, then aligned streaming stores.
      int64_t head = (int64_t)((64 - reinterpret_cast<uintptr_t>(o) % 64) % 64) / (int64_t)sizeof(E);
      const E* pa = static_cast<const E*>(a);
      const E* pb = static_cast<const E*>(b);
      if (head) arith_plain<L, Op, Mode>(pa, pb, o, head);
      int64_t body = (n - head) / L::W * L::W;
      each<L, Mode>(pa + (Mode == 1 ? 0 : head), pb + (Mode == 2 ? 0 : head), body,
                    [&](int64_t i, typename L::V x, typename L::V y, typename L::M, bool) {
                      L::stream(o + head + i, Op::f(x, y));
                    });
      _mm_sfence();
      int64_t done = head + body;
      if (done < n) arith_plain<L, Op, Mode>(pa + (Mode == 1 ? 0 : done), pb + (Mode == 2 ? 0 : done), o + done, n - done);
      return n;
    }
  }
  return arith_plain<L, Op, Mode>(static_cast<const typename L::E*>(a), static_cast<const typename L::E*>(b), o, n);
}

template <typename L, typename Op, int Mode>
int64_t cmp_mode(const void* a, const void* b, void* o_, int64_t n) {
  using E = typename L::E;
  uint8_t* o = static_cast<uint8_t*>(o_);
  const __m128i one = _mm_set1_epi8(1);
  each<L, Mode>(static_cast<const E*>(a), static_cast<const E*>(b), n,
                [&](int64_t i, typename L::V x, typename L::V y, __mmask16 m, bool full) {
                  __m128i r = _mm_maskz_mov_epi8(Op::f(x, y), one);
                  if (full) _mm_storeu_si128((__m128i*)(o + i), r);
                  else _mm_mask_storeu_epi8(o + i, m, r);
                });
  return n;
}

template <typename L, typename Op>
int64_t arith(const void* a, const void* b, void* o, int64_t n, RowMode mode) {
  switch (mode) {
    case RowMode::sv: return arith_mode<L, Op, 1>(a, b, o, n);
    case RowMode::vs: return arith_mode<L, Op, 2>(a, b, o, n);
    default: return arith_mode<L, Op, 0>(a, b, o, n);
  }
}

template <typename L, typename Op>
int64_t cmp(const void* a, const void* b, void* o, int64_t n, RowMode mode) {
  switch (mode) {
    case RowMode::sv: return cmp_mode<L, Op, 1>(a, b, o, n);
    case RowMode::vs: return cmp_mode<L, Op, 2>(a, b, o, n);
    default: return cmp_mode<L, Op, 0>(a, b, o, n);
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
    case BinaryOp::equal: return &cmp<L, Cmp<_CMP_EQ_OQ>>;
    case BinaryOp::not_equal: return &cmp<L, Cmp<_CMP_NEQ_UQ>>;
    case BinaryOp::less: return &cmp<L, Cmp<_CMP_LT_OQ>>;
    case BinaryOp::less_equal: return &cmp<L, Cmp<_CMP_LE_OQ>>;
    case BinaryOp::greater: return &cmp<L, Cmp<_CMP_GT_OQ>>;
    case BinaryOp::greater_equal: return &cmp<L, Cmp<_CMP_GE_OQ>>;
    default: return nullptr;
  }
}

}  // namespace

BinaryRowFn binary_row_avx512(BinaryOp op, Dtype dt) {
  switch (dt) {
    case Dtype::float32: return float_lanes<F32>(op);
    case Dtype::float16: return float_lanes<F16>(op);
    case Dtype::bfloat16: return float_lanes<BF16>(op);
    case Dtype::float64:
      switch (op) {
        case BinaryOp::add: return &arith<F64, Add>;
        case BinaryOp::subtract: return &arith<F64, Sub>;
        case BinaryOp::multiply: return &arith<F64, Mul>;
        case BinaryOp::divide: return &arith<F64, Div>;
        case BinaryOp::maximum: return &arith<F64, Max>;
        case BinaryOp::minimum: return &arith<F64, Min>;
        default: return nullptr;
      }
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
        case BinaryOp::equal: return &cmp<I32, Cmp<_CMP_EQ_OQ>>;
        case BinaryOp::not_equal: return &cmp<I32, Cmp<_CMP_NEQ_UQ>>;
        case BinaryOp::less: return &cmp<I32, Cmp<_CMP_LT_OQ>>;
        case BinaryOp::less_equal: return &cmp<I32, Cmp<_CMP_LE_OQ>>;
        case BinaryOp::greater: return &cmp<I32, Cmp<_CMP_GT_OQ>>;
        case BinaryOp::greater_equal: return &cmp<I32, Cmp<_CMP_GE_OQ>>;
        default: return nullptr;
      }
    default: return nullptr;
  }
}

}  // namespace mlx::cpu::simd
#endif
