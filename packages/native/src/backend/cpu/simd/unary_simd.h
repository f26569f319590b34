// SIMD float32 kernels for unary ops over contiguous data (files unary_avx2.cc, unary_avx512.cc).
// The math is written once below, as templates over a small per-ISA vector traits struct V
// that each ISA file defines with intrinsics and instantiates (MLX_UNARY_SIMD_IMPL).
#pragma once
#include <cstdint>

#include "../../../primitives/unary.h"

namespace mlx::cpu::simd {

// y[i] = op(x[i]) for i < n; p carries op parameters (UnaryParams::p). x may equal y.
using F32Kernel = void (*)(const float* x, float* y, int64_t n, const float* p);

// nullptr when the op has no vector kernel for that ISA.
F32Kernel unary_f32_avx512(UnaryOp op);
F32Kernel unary_f32_avx2(UnaryOp op);

// Half conversions (F16C / AVX2); rounding to nearest even, NaN kept quiet.
void f16_to_f32_avx2(const uint16_t* x, float* y, int64_t n);
void f32_to_f16_avx2(const float* x, uint16_t* y, int64_t n);
void bf16_to_f32_avx2(const uint16_t* x, float* y, int64_t n);
void f32_to_bf16_avx2(const float* x, uint16_t* y, int64_t n);

}  // namespace mlx::cpu::simd

#ifdef MLX_UNARY_SIMD_IMPL
#include <cmath>
#include <limits>

namespace mlx::cpu::simd {

// Vector math over traits V (F: float vector, I: int32 vector, M: lane mask, W lanes).
// Algorithms: Cody-Waite range reduction + Cephes-style minimax polynomials (about 1-3 ulp).
template <class V>
struct VMath {
  using F = typename V::F;
  using I = typename V::I;
  using M = typename V::M;
  static constexpr float kInf = std::numeric_limits<float>::infinity();

  static F c(float v) { return V::set1(v); }
  static F sign_bits(F x) { return V::fand(x, V::asfloat(V::seti((int)0x80000000))); }
  static F copysign(F mag, F s) { return V::for_(V::abs(mag), sign_bits(s)); }
  static M isnan(F x) { return V::unord(x, x); }

  // 2^n * y for integral n (as float) in [-160, 160] without spurious overflow.
  static F ldexp(F y, F n) { return V::ldexp(y, n); }

  static F exp(F x) {
    M over = V::gt(x, c(88.7228394f)), under = V::lt(x, c(-103.972084f));
    // Out-of-range lanes compute exp(0) and are fixed by the masks, so no lane underflows
    // through the scaling step (denormal results cost microcode assists on x86).
    x = V::select(V::mor(over, under), c(0.f), x);
    F n = V::rint(V::mul(x, c(1.44269504088896341f)));
    F r = V::fnma(n, c(0.693359375f), x);
    r = V::fnma(n, c(-2.12194440e-4f), r);
    F p = c(1.9875691500E-4f);
    p = V::fma(p, r, c(1.3981999507E-3f));
    p = V::fma(p, r, c(8.3334519073E-3f));
    p = V::fma(p, r, c(4.1665795894E-2f));
    p = V::fma(p, r, c(1.6666665459E-1f));
    p = V::fma(p, r, c(5.0000001201E-1f));
    F y = V::add(V::fma(p, V::mul(r, r), r), c(1.0f));
    y = ldexp(y, n);
    y = V::select(over, c(kInf), y);
    return V::select(under, c(0.0f), y);
  }

  // expm1 on |r| <= ln2/2 (Taylor to r^8: error far below float ulp).
  static F expm1_poly(F r) {
    F p = c(1.f / 40320);
    p = V::fma(p, r, c(1.f / 5040));
    p = V::fma(p, r, c(1.f / 720));
    p = V::fma(p, r, c(1.f / 120));
    p = V::fma(p, r, c(1.f / 24));
    p = V::fma(p, r, c(1.f / 6));
    p = V::fma(p, r, c(0.5f));
    return V::fma(V::mul(p, r), r, r);
  }

  static F expm1(F x) {
    F xc = V::min(c(16.f), V::max(c(-17.f), x));  // operand order keeps NaN
    F n = V::rint(V::mul(xc, c(1.44269504088896341f)));
    F r = V::fnma(n, c(0.693359375f), xc);
    r = V::fnma(n, c(-2.12194440e-4f), r);
    F e = expm1_poly(r);
    F t = V::asfloat(V::slli23(V::iadd(V::cvt_f2i(n), V::seti(127))));  // 2^n, n in [-25, 24]
    F y = V::fma(t, e, V::sub(t, c(1.0f)));
    M big = V::gt(x, c(16.f));
    if (V::any(big)) y = V::select(big, exp(x), y);
    y = V::select(V::lt(x, c(-17.f)), c(-1.0f), y);
    return V::select(V::eq(x, c(0.f)), x, y);  // keeps -0
  }

  // x = 2^k * (1 + f), f in [sqrt(.5)-1, sqrt(2)-1); returns k, f and the tail y so that
  // log(1+f) = f + y.
  static void log_parts(F x, F& k, F& f, F& y) {
    M small = V::lt(x, c(1.17549435e-38f));
    x = V::select(small, V::mul(x, c(8388608.f)), x);  // denormals: scale by 2^23
    I bits = V::asint(x);
    I e = V::isub(V::srli23(bits), V::seti(126));
    F m = V::asfloat(V::ior(V::iand(bits, V::seti(0x007fffff)), V::seti(0x3f000000)));  // [0.5, 1)
    k = V::sub(V::cvt_i2f(e), V::select(small, c(23.f), c(0.f)));
    M lo = V::lt(m, c(0.707106781186547524f));
    k = V::select(lo, V::sub(k, c(1.f)), k);
    f = V::sub(V::select(lo, V::add(m, m), m), c(1.f));
    F z = V::mul(f, f);
    F p = c(7.0376836292E-2f);
    p = V::fma(p, f, c(-1.1514610310E-1f));
    p = V::fma(p, f, c(1.1676998740E-1f));
    p = V::fma(p, f, c(-1.2420140846E-1f));
    p = V::fma(p, f, c(1.4249322787E-1f));
    p = V::fma(p, f, c(-1.6668057665E-1f));
    p = V::fma(p, f, c(2.0000714765E-1f));
    p = V::fma(p, f, c(-2.4999993993E-1f));
    p = V::fma(p, f, c(3.3333331174E-1f));
    y = V::mul(V::mul(p, f), z);
    y = V::fnma(c(0.5f), z, y);
  }

  static F log_fix(F x, F r) {  // log's special values
    r = V::select(V::eq(x, c(kInf)), c(kInf), r);
    r = V::select(V::eq(x, c(0.f)), c(-kInf), r);
    return V::select(V::mor(V::lt(x, c(0.f)), isnan(x)), c(std::numeric_limits<float>::quiet_NaN()), r);
  }

  static F log(F x) {
    F k, f, y;
    log_parts(x, k, f, y);
    F r = V::fma(k, c(-2.12194440e-4f), y);
    r = V::add(f, r);
    r = V::fma(k, c(0.693359375f), r);
    return log_fix(x, r);
  }
  static F log2(F x) {
    F k, f, y;
    log_parts(x, k, f, y);
    const F a = c(0.44269504088896340736f);  // log2(e) - 1
    F r = V::mul(y, a);
    r = V::fma(f, a, r);
    r = V::add(r, y);
    r = V::add(r, f);
    r = V::add(r, k);
    return log_fix(x, r);
  }
  static F log10(F x) {
    F k, f, y;
    log_parts(x, k, f, y);
    F r = V::mul(y, c(7.00731903251827651129E-4f));
    r = V::fma(f, c(7.00731903251827651129E-4f), r);
    r = V::fma(y, c(4.3359375E-1f), r);
    r = V::fma(f, c(4.3359375E-1f), r);
    r = V::fma(k, c(2.48745663981195213739E-4f), r);
    r = V::fma(k, c(3.0078125E-1f), r);
    return log_fix(x, r);
  }
  // log1p(x) = log(u) * x / (u - 1) with u = 1 + x (corrects u's rounding error).
  static F log1p(F x) {
    F u = V::add(c(1.f), x);
    F d = V::sub(u, c(1.f));
    F r = V::mul(log(u), V::div(x, d));
    r = V::select(V::eq(d, c(0.f)), x, r);
    return V::select(V::eq(x, c(kInf)), x, r);
  }

  // Reduction by pi/2: x = j*pi/2 + r, |r| <= pi/4. Valid for |x| <= 8192; larger lanes go scalar.
  static F reduce(F x, I& q) {
    F j = V::rint(V::mul(x, c(0.636619772367581343f)));
    // pi/2 as a sum of three floats; each FMA product is exact, so r keeps its accuracy.
    F r = V::fnma(j, c(1.57079637050628662109375f), x);
    r = V::fnma(j, c(-4.37113900018624283e-8f), r);
    r = V::fnma(j, c(-1.7151245100059317e-15f), r);
    q = V::cvt_f2i(j);
    return r;
  }
  static F sin_poly(F r, F z) {
    F p = c(-1.9515295891E-4f);
    p = V::fma(p, z, c(8.3321608736E-3f));
    p = V::fma(p, z, c(-1.6666654611E-1f));
    return V::fma(V::mul(p, z), r, r);
  }
  static F cos_poly(F z) {
    F p = c(2.443315711809948E-5f);
    p = V::fma(p, z, c(-1.388731625493765E-3f));
    p = V::fma(p, z, c(4.166664568298827E-2f));
    F y = V::mul(V::mul(p, z), z);
    y = V::fnma(c(0.5f), z, y);
    return V::add(y, c(1.f));
  }
  template <typename S>
  static F scalar_lanes(F x, F v, M big, S fn) {
    alignas(64) float xs[V::W], vs[V::W];
    V::store(xs, x);
    V::store(vs, v);
    for (int i = 0; i < V::W; i++)
      if (!(std::fabs(xs[i]) <= 8192.f)) vs[i] = fn(xs[i]);
    return V::load(vs);
  }
  static M big_arg(F x) { return V::mnot(V::le(V::abs(x), c(8192.f))); }  // includes inf and nan

  static F sin(F x) {
    I q;
    F r = reduce(x, q), z = V::mul(r, r);
    F s = sin_poly(r, z), co = cos_poly(z);
    M swap = V::ieq(V::iand(q, V::seti(1)), V::seti(1));
    F v = V::select(swap, co, s);
    v = V::fxor(v, V::asfloat(V::slli30(V::iand(q, V::seti(2)))));  // negate in quadrants 2, 3
    v = V::select(V::eq(x, c(0.f)), x, v);
    M big = big_arg(x);
    if (V::any(big)) v = scalar_lanes(x, v, big, [](float t) { return std::sin(t); });
    return v;
  }
  static F cos(F x) {
    I q;
    F r = reduce(x, q), z = V::mul(r, r);
    F s = sin_poly(r, z), co = cos_poly(z);
    M swap = V::ieq(V::iand(q, V::seti(1)), V::seti(1));
    F v = V::select(swap, s, co);
    v = V::fxor(v, V::asfloat(V::slli30(V::iand(V::iadd(q, V::seti(1)), V::seti(2)))));
    M big = big_arg(x);
    if (V::any(big)) v = scalar_lanes(x, v, big, [](float t) { return std::cos(t); });
    return v;
  }
  static F tan(F x) {
    I q;
    F r = reduce(x, q), z = V::mul(r, r);
    F s = sin_poly(r, z), co = cos_poly(z);
    M swap = V::ieq(V::iand(q, V::seti(1)), V::seti(1));
    F v = V::div(V::select(swap, V::neg(co), s), V::select(swap, s, co));
    v = V::select(V::eq(x, c(0.f)), x, v);
    M big = big_arg(x);
    if (V::any(big)) v = scalar_lanes(x, v, big, [](float t) { return std::tan(t); });
    return v;
  }

  static F tanh(F x) {
    F a = V::abs(x);
    F z = V::mul(x, x);
    F p = c(-5.70498872745E-3f);
    p = V::fma(p, z, c(2.06390887954E-2f));
    p = V::fma(p, z, c(-5.37397155531E-2f));
    p = V::fma(p, z, c(1.33314422036E-1f));
    p = V::fma(p, z, c(-3.33332819422E-1f));
    F small = V::fma(V::mul(p, z), x, x);
    F e = exp(V::add(a, a));
    F large = V::sub(c(1.f), V::div(c(2.f), V::add(e, c(1.f))));
    large = copysign(large, x);
    return V::select(V::lt(a, c(0.625f)), small, large);
  }
  static F sigmoid(F x) { return V::div(c(1.f), V::add(c(1.f), exp(V::max(c(-80.f), V::neg(x))))); }

  static F erf(F x) {
    F t = V::abs(x), s = V::mul(x, x);
    // |x| <= 0.927734375
    F r = c(-5.96761703e-4f);
    r = V::fma(r, s, c(4.99119423e-3f));
    r = V::fma(r, s, c(-2.67681349e-2f));
    r = V::fma(r, s, c(1.12819925e-1f));
    r = V::fma(r, s, c(-3.76125336e-1f));
    r = V::fma(r, s, c(1.28379166e-1f));
    F lo = V::fma(r, x, x);
    M is_lo = V::le(t, c(0.927734375f));
    if (V::all(is_lo)) return lo;
    F u = V::fma(c(-3.88396438e-3f), t, c(2.42546219e-2f));
    r = V::fma(c(-1.72853470e-5f), t, c(3.83197126e-4f));
    r = V::fma(r, s, u);
    r = V::fma(r, t, c(-1.06777877e-1f));
    r = V::fma(r, t, c(-6.34846687e-1f));
    r = V::fma(r, t, c(-1.28717512e-1f));
    r = V::fma(r, t, V::neg(t));
    r = V::max(c(-80.f), r);  // erf is +-1 there anyway; avoids denormal exp results (NaN kept)
    F hi = copysign(V::sub(c(1.f), exp(r)), x);
    return V::select(is_lo, lo, hi);
  }

  static F erfinv(F a) {
    F t = log(V::fnma(a, a, c(1.f)));
    M tail = V::gt(V::abs(t), c(6.125f));
    F p = c(5.43877832e-9f);
    p = V::fma(p, t, c(1.43285448e-7f));
    p = V::fma(p, t, c(1.22774793e-6f));
    p = V::fma(p, t, c(1.12963626e-7f));
    p = V::fma(p, t, c(-5.61530760e-5f));
    p = V::fma(p, t, c(-1.47697632e-4f));
    p = V::fma(p, t, c(2.31468678e-3f));
    p = V::fma(p, t, c(1.15392581e-2f));
    p = V::fma(p, t, c(-2.32015476e-1f));
    p = V::fma(p, t, c(8.86226892e-1f));
    if (V::any(tail)) {
      F q = c(3.03697567e-10f);
      q = V::fma(q, t, c(2.93243101e-8f));
      q = V::fma(q, t, c(1.22150334e-6f));
      q = V::fma(q, t, c(2.84108955e-5f));
      q = V::fma(q, t, c(3.93552968e-4f));
      q = V::fma(q, t, c(3.02698812e-3f));
      q = V::fma(q, t, c(4.83185798e-3f));
      q = V::fma(q, t, c(-2.64646143e-1f));
      q = V::fma(q, t, c(8.40016484e-1f));
      p = V::select(tail, q, p);
    }
    return V::mul(a, p);
  }

  // 0.5 * exp(|x|) for |x| up to ~89.4 without overflowing exp.
  static F half_exp_big(F a) {
    F e2 = exp(V::mul(a, c(0.5f)));
    return V::mul(V::mul(e2, c(0.5f)), e2);
  }
  static F cosh(F x) {
    F a = V::abs(x);
    F e = exp(a);
    F r = V::fma(c(0.5f), e, V::div(c(0.5f), e));
    M big = V::gt(a, c(88.f));
    if (V::any(big)) r = V::select(big, half_exp_big(a), r);
    return r;
  }
  static F sinh(F x) {
    F a = V::abs(x);
    F em = expm1(a);
    F r = V::mul(c(0.5f), V::add(em, V::div(em, V::add(em, c(1.f)))));
    M big = V::gt(a, c(88.f));
    if (V::any(big)) r = V::select(big, half_exp_big(a), r);
    return copysign(r, x);
  }

  static F arcsinh(F x) {
    F a = V::abs(x), z = V::mul(a, a);
    F r = log1p(V::add(a, V::div(z, V::add(c(1.f), V::sqrt(V::add(c(1.f), z))))));
    M big = V::gt(a, c(268435456.f));
    if (V::any(big)) r = V::select(big, V::add(log(a), c(0.693147180559945f)), r);
    return copysign(r, x);
  }
  static F arccosh(F x) {
    F t = V::sub(x, c(1.f));
    F r = log1p(V::add(t, V::sqrt(V::fma(t, t, V::add(t, t)))));
    M big = V::gt(x, c(268435456.f));
    if (V::any(big)) r = V::select(big, V::add(log(x), c(0.693147180559945f)), r);
    return V::select(V::lt(x, c(1.f)), c(std::numeric_limits<float>::quiet_NaN()), r);
  }
  static F arctanh(F x) {
    F a = V::abs(x);
    F r = V::mul(c(0.5f), log1p(V::div(V::add(a, a), V::sub(c(1.f), a))));
    return copysign(r, x);
  }

  static F arcsin_core(F a, M& flag) {  // a = |x| in [0, 1]
    flag = V::gt(a, c(0.5f));
    F z = V::select(flag, V::mul(c(0.5f), V::sub(c(1.f), a)), V::mul(a, a));
    F xs = V::select(flag, V::sqrt(z), a);
    F p = c(4.2163199048E-2f);
    p = V::fma(p, z, c(2.4181311049E-2f));
    p = V::fma(p, z, c(4.5470025998E-2f));
    p = V::fma(p, z, c(7.4953002686E-2f));
    p = V::fma(p, z, c(1.6666752422E-1f));
    return V::fma(V::mul(p, z), xs, xs);  // asin(xs)
  }
  static F arcsin(F x) {
    F a = V::abs(x);
    M flag;
    F y = arcsin_core(a, flag);
    y = V::select(flag, V::sub(c(1.57079632679489661923f), V::add(y, y)), y);
    y = V::select(V::gt(a, c(1.f)), c(std::numeric_limits<float>::quiet_NaN()), y);
    return copysign(y, x);
  }
  static F arccos(F x) {
    F a = V::abs(x);
    M flag;
    F y = arcsin_core(a, flag);  // flag: y = asin(sqrt((1-a)/2)), acos(a) = 2y
    F pos = V::select(flag, V::add(y, y), V::sub(c(1.57079632679489661923f), y));
    F neg = V::select(flag, V::sub(c(3.14159265358979323846f), V::add(y, y)),
                      V::add(c(1.57079632679489661923f), y));
    F r = V::select(V::lt(x, c(0.f)), neg, pos);
    return V::select(V::gt(a, c(1.f)), c(std::numeric_limits<float>::quiet_NaN()), r);
  }
  static F arctan(F x) {
    F a = V::abs(x);
    M m1 = V::gt(a, c(2.414213562373095f)), m2 = V::gt(a, c(0.4142135623730950f));
    F t = V::select(m2, V::div(V::sub(a, c(1.f)), V::add(a, c(1.f))), a);
    t = V::select(m1, V::div(c(-1.f), a), t);
    F y = V::select(m2, c(0.78539816339744830962f), c(0.f));
    y = V::select(m1, c(1.57079632679489661923f), y);
    F z = V::mul(t, t);
    F p = c(8.05374449538e-2f);
    p = V::fma(p, z, c(-1.38776856032E-1f));
    p = V::fma(p, z, c(1.99777106478E-1f));
    p = V::fma(p, z, c(-3.33329491539E-1f));
    y = V::add(y, V::fma(V::mul(p, z), t, t));
    return copysign(y, x);
  }
};

// Loop driver: full vectors, then the tail through a padded buffer.
template <class V, class Fn>
inline void vloop(const float* x, float* y, int64_t n, Fn fn) {
  using F = typename V::F;
  int64_t i = 0;
  for (; i + 2 * V::W <= n; i += 2 * V::W) {
    F a = V::load(x + i), b = V::load(x + i + V::W);
    V::store(y + i, fn(a));
    V::store(y + i + V::W, fn(b));
  }
  for (; i + V::W <= n; i += V::W) V::store(y + i, fn(V::load(x + i)));
  if (i < n) {
    alignas(64) float t[V::W] = {};
    for (int64_t k = i; k < n; k++) t[k - i] = x[k];
    V::store(t, fn(V::load(t)));
    for (int64_t k = i; k < n; k++) y[k] = t[k - i];
  }
}

template <class V>
F32Kernel make_unary_table(UnaryOp op) {
  using M = VMath<V>;
  using F = typename V::F;
#define K(OP, EXPR)                                                                    \
  case UnaryOp::OP:                                                                    \
    return [](const float* x, float* y, int64_t n, const float* p) {                   \
      vloop<V>(x, y, n, [&](F v) -> F { return EXPR; });                               \
    };
  switch (op) {
    K(Abs, V::abs(v))
    K(Negative, V::neg(v))
    K(Sign, V::select(V::gt(v, M::c(0.f)), M::c(1.f), V::select(V::lt(v, M::c(0.f)), M::c(-1.f), M::c(0.f))))
    K(Sqrt, V::sqrt(v))
    K(Rsqrt, V::div(M::c(1.f), V::sqrt(v)))
    K(Square, V::mul(v, v))
    K(Reciprocal, V::div(M::c(1.f), v))
    K(Exp, M::exp(v))
    K(Expm1, M::expm1(v))
    K(Log, M::log(v))
    K(Log2, M::log2(v))
    K(Log10, M::log10(v))
    K(Log1p, M::log1p(v))
    K(Sin, M::sin(v))
    K(Cos, M::cos(v))
    K(Tan, M::tan(v))
    K(ArcSin, M::arcsin(v))
    K(ArcCos, M::arccos(v))
    K(ArcTan, M::arctan(v))
    K(Sinh, M::sinh(v))
    K(Cosh, M::cosh(v))
    K(Tanh, M::tanh(v))
    K(ArcSinh, M::arcsinh(v))
    K(ArcCosh, M::arccosh(v))
    K(ArcTanh, M::arctanh(v))
    K(Sigmoid, M::sigmoid(v))
    K(Erf, M::erf(v))
    K(ErfInv, M::erfinv(v))
    K(Floor, V::floor(v))
    K(Ceil, V::ceil(v))
    K(Round, p[1] == 0.f ? V::rint(v) : V::mul(V::rint(V::mul(v, V::set1(p[0]))), V::set1(p[1])))
    K(Degrees, V::mul(v, M::c(57.29577951308232f)))
    K(Radians, V::mul(v, M::c(0.017453292519943295f)))
    K(NanToNum, V::select(M::isnan(v), V::set1(p[0]),
                          V::select(V::eq(v, M::c(M::kInf)), V::set1(p[1]),
                                    V::select(V::eq(v, M::c(-M::kInf)), V::set1(p[2]), v))))
    default: return nullptr;
  }
#undef K
}

}  // namespace mlx::cpu::simd
#endif  // MLX_UNARY_SIMD_IMPL
