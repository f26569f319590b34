// CPU kernels for the Unary primitive. Float math runs through one float32 pipeline:
// integer/bool/f16/bf16 inputs are converted in blocks to float32, pass through a
// contiguous float32 kernel (SIMD per ISA when available), and are converted back.
// float64 and complex64 use scalar std:: math; integer-only ops get direct loops.
#include <cmath>
#include <complex>
#include <cstring>
#include <limits>

#include "elementwise_f32.h"
#include "../../engine/backend.h"
#include "../../engine/dispatch.h"
#include "../../primitives/unary.h"
#include "cpu_features.h"
#include "simd/unary_simd.h"
#include "strided.h"

namespace mlx::cpu {

namespace {

using simd::F32Kernel;

#define MLX_MATH_OPS(X)                                                                                \
  X(Sqrt) X(Rsqrt) X(Reciprocal) X(Exp) X(Expm1) X(Log) X(Log2) X(Log10) X(Log1p) X(Sin) X(Cos) X(Tan) \
  X(ArcSin) X(ArcCos) X(ArcTan) X(Sinh) X(Cosh) X(Tanh) X(ArcSinh) X(ArcCosh) X(ArcTanh) X(Sigmoid)    \
  X(Erf) X(ErfInv) X(Degrees) X(Radians)
// Ops whose float16/bfloat16/float32 versions go through the float32 pipeline.
#define MLX_F32_OPS(X) MLX_MATH_OPS(X) X(Abs) X(Negative) X(Sign) X(Square) X(Floor) X(Ceil) X(Round) X(NanToNum)

bool is_math_op(UnaryOp op) {
  switch (op) {
#define C(N) case UnaryOp::N:
    MLX_MATH_OPS(C) return true;
#undef C
    default: return false;
  }
}
bool is_f32_op(UnaryOp op) {
  switch (op) {
#define C(N) case UnaryOp::N:
    MLX_F32_OPS(C) return true;
#undef C
    default: return false;
  }
}
bool is_predicate(UnaryOp op) {
  return op == UnaryOp::IsNan || op == UnaryOp::IsInf || op == UnaryOp::IsFinite || op == UnaryOp::IsPosInf ||
         op == UnaryOp::IsNegInf;
}

// float32 erfinv (M. Giles' single-precision approximation, as in MLX).
inline float erfinv_f32(float a) {
  float t = std::log(std::fma(a, -a, 1.0f)), p;
  if (std::fabs(t) > 6.125f) {
    p = 3.03697567e-10f;
    p = std::fma(p, t, 2.93243101e-8f); p = std::fma(p, t, 1.22150334e-6f);
    p = std::fma(p, t, 2.84108955e-5f); p = std::fma(p, t, 3.93552968e-4f);
    p = std::fma(p, t, 3.02698812e-3f); p = std::fma(p, t, 4.83185798e-3f);
    p = std::fma(p, t, -2.64646143e-1f); p = std::fma(p, t, 8.40016484e-1f);
  } else {
    p = 5.43877832e-9f;
    p = std::fma(p, t, 1.43285448e-7f); p = std::fma(p, t, 1.22774793e-6f);
    p = std::fma(p, t, 1.12963626e-7f); p = std::fma(p, t, -5.61530760e-5f);
    p = std::fma(p, t, -1.47697632e-4f); p = std::fma(p, t, 2.31468678e-3f);
    p = std::fma(p, t, 1.15392581e-2f); p = std::fma(p, t, -2.32015476e-1f);
    p = std::fma(p, t, 8.86226892e-1f);
  }
  return a * p;
}
// float64: refine the float32 estimate with Newton steps on erf(y) = a.
inline double erfinv_f64(double a) {
  if (!(std::fabs(a) < 1.0)) return std::fabs(a) == 1.0 ? std::copysign(INFINITY, a) : NAN;
  double y = erfinv_f32((float)a);
  for (int i = 0; i < 3 && std::isfinite(y); i++) {
    double err = std::erf(y) - a;
    y -= err / (1.1283791670955126 * std::exp(-y * y));
  }
  return y;
}

template <UnaryOp Op, typename T>
inline T real_op(T x, const float* p) {
  using U = UnaryOp;
  if constexpr (Op == U::Abs) return std::fabs(x);
  else if constexpr (Op == U::Negative) return -x;
  else if constexpr (Op == U::Sign) return (T)((x > T(0)) - (x < T(0)));
  else if constexpr (Op == U::Sqrt) return std::sqrt(x);
  else if constexpr (Op == U::Rsqrt) return T(1) / std::sqrt(x);
  else if constexpr (Op == U::Square) return x * x;
  else if constexpr (Op == U::Reciprocal) return T(1) / x;
  else if constexpr (Op == U::Exp) return std::exp(x);
  else if constexpr (Op == U::Expm1) return std::expm1(x);
  else if constexpr (Op == U::Log) return std::log(x);
  else if constexpr (Op == U::Log2) return std::log2(x);
  else if constexpr (Op == U::Log10) return std::log10(x);
  else if constexpr (Op == U::Log1p) return std::log1p(x);
  else if constexpr (Op == U::Sin) return std::sin(x);
  else if constexpr (Op == U::Cos) return std::cos(x);
  else if constexpr (Op == U::Tan) return std::tan(x);
  else if constexpr (Op == U::ArcSin) return std::asin(x);
  else if constexpr (Op == U::ArcCos) return std::acos(x);
  else if constexpr (Op == U::ArcTan) return std::atan(x);
  else if constexpr (Op == U::Sinh) return std::sinh(x);
  else if constexpr (Op == U::Cosh) return std::cosh(x);
  else if constexpr (Op == U::Tanh) return std::tanh(x);
  else if constexpr (Op == U::ArcSinh) return std::asinh(x);
  else if constexpr (Op == U::ArcCosh) return std::acosh(x);
  else if constexpr (Op == U::ArcTanh) return std::atanh(x);
  else if constexpr (Op == U::Sigmoid) return T(1) / (T(1) + std::exp(-x));
  else if constexpr (Op == U::Erf) return std::erf(x);
  else if constexpr (Op == U::ErfInv) {
    if constexpr (std::is_same_v<T, double>) return erfinv_f64(x);
    else return erfinv_f32(x);
  } else if constexpr (Op == U::Floor) return std::floor(x);
  else if constexpr (Op == U::Ceil) return std::ceil(x);
  else if constexpr (Op == U::Round) return p[1] == 0.f ? std::rint(x) : std::rint(x * T(p[0])) * T(p[1]);
  else if constexpr (Op == U::Degrees) return x * T(57.295779513082320876798);
  else if constexpr (Op == U::Radians) return x * T(0.017453292519943295769237);
  else if constexpr (Op == U::NanToNum) {
    if (std::isnan(x)) return T(p[0]);
    if (std::isinf(x)) return x > 0 ? T(p[1]) : T(p[2]);
    return x;
  } else static_assert(Op == U::Abs, "not a real op");
}

template <UnaryOp Op>
void f32_scalar(const float* x, float* y, int64_t n, const float* p) {
  for (int64_t i = 0; i < n; i++) y[i] = real_op<Op, float>(x[i], p);
}

// The float32 kernel for op on this machine: SIMD for the best ISA, else portable scalar.
F32Kernel f32_kernel(UnaryOp op) {
  static const auto table = [] {
    std::array<F32Kernel, kNumUnaryOps> t{};
#define C(N) t[(int)UnaryOp::N] = &f32_scalar<UnaryOp::N>;
    MLX_F32_OPS(C)
#undef C
#if defined(MLX_X86)
    Isa isa = best_isa();
    for (int i = 0; i < kNumUnaryOps; i++) {
      if (!t[i]) continue;
      F32Kernel k = nullptr;
      if (isa == Isa::avx512) k = simd::unary_f32_avx512((UnaryOp)i);
      else if (isa == Isa::avx2) k = simd::unary_f32_avx2((UnaryOp)i);
      if (k) t[i] = k;
    }
#endif
    return t;
  }();
  return table[(int)op];
}

// Element-wise traversal over the collapsed in/out layouts; a single dense row is split
// across threads by element range, otherwise by rows (strided.h).
struct Src {
  const char* ptr;
  Dtype dtype;
  Strides strides;
};

template <typename Row>
void for_rows(const Shape& shape, const Strides& in_st, const Strides& out_st, Row&& row, int64_t grain) {
  auto L = collapse<2>(shape, {&in_st, &out_st});
  if (L.shape.size() == 1) {
    int64_t s0 = L.strides[0][0], s1 = L.strides[1][0];
    parallel_for(L.shape[0], grain, [&](int64_t b, int64_t e) {
      row(std::array<int64_t, 2>{b * s0, b * s1}, e - b, std::array<int64_t, 2>{s0, s1});
    });
  } else {
    parallel_rows<2>(L, row, grain);
  }
}

template <typename In, typename Out, typename Fn>
void map(const Src& s, Array& out, Fn fn, int64_t grain = 1 << 15) {
  const In* src = reinterpret_cast<const In*>(s.ptr);
  Out* dst = out.data<Out>();
  for_rows(out.shape(), s.strides, out.strides(),
           [&](const std::array<int64_t, 2>& off, int64_t n, const std::array<int64_t, 2>& st) {
             const In* a = src + off[0];
             Out* d = dst + off[1];
             if (st[0] == 1 && st[1] == 1) {
               for (int64_t i = 0; i < n; i++) d[i] = fn(a[i]);
             } else {
               for (int64_t i = 0; i < n; i++) d[i * st[1]] = fn(a[i * st[0]]);
             }
           },
           grain);
}

// Block conversions to and from float32 for the pipeline.
void gather_f32(Dtype dt, const char* base, int64_t off, int64_t stride, int64_t n, float* y) {
#if defined(MLX_X86)
  if (stride == 1 && best_isa() != Isa::generic) {
    if (dt == Dtype::float16) return simd::f16_to_f32_avx2(reinterpret_cast<const uint16_t*>(base) + off, y, n);
    if (dt == Dtype::bfloat16) return simd::bf16_to_f32_avx2(reinterpret_cast<const uint16_t*>(base) + off, y, n);
  }
#endif
  dispatch_real(dt, "unary", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = reinterpret_cast<const T*>(base) + off;
    for (int64_t i = 0; i < n; i++) y[i] = cast_value<float>(x[i * stride]);
  });
}
void scatter_f32(Dtype dt, char* base, int64_t off, int64_t stride, int64_t n, const float* x) {
#if defined(MLX_X86)
  if (stride == 1 && best_isa() != Isa::generic) {
    if (dt == Dtype::float16) return simd::f32_to_f16_avx2(x, reinterpret_cast<uint16_t*>(base) + off, n);
    if (dt == Dtype::bfloat16) return simd::f32_to_bf16_avx2(x, reinterpret_cast<uint16_t*>(base) + off, n);
  }
#endif
  dispatch_float(dt, "unary", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* y = reinterpret_cast<T*>(base) + off;
    for (int64_t i = 0; i < n; i++) y[i * stride] = cast_value<T>(x[i]);
  });
}

// Output dtype float32/float16/bfloat16; input any real dtype.
void map_f32(const Src& s, Array& out, F32Kernel k, const float* p) {
  constexpr int64_t B = 1024;
  const bool in_f32 = s.dtype == Dtype::float32, out_f32 = out.dtype() == Dtype::float32;
  char* dst = static_cast<char*>(out.raw_data());
  for_rows(out.shape(), s.strides, out.strides(),
           [&](const std::array<int64_t, 2>& off, int64_t n, const std::array<int64_t, 2>& st) {
             if (in_f32 && out_f32 && st[0] == 1 && st[1] == 1) {  // dense float32: no staging
               k(reinterpret_cast<const float*>(s.ptr) + off[0], reinterpret_cast<float*>(dst) + off[1], n, p);
               return;
             }
             alignas(64) float bx[B], by[B];
             for (int64_t b = 0; b < n; b += B) {
               int64_t m = std::min(B, n - b);
               int64_t io = off[0] + b * st[0], oo = off[1] + b * st[1];
               const float* xp = bx;
               if (in_f32 && st[0] == 1) xp = reinterpret_cast<const float*>(s.ptr) + io;
               else gather_f32(s.dtype, s.ptr, io, st[0], m, bx);
               float* yp = (out_f32 && st[1] == 1) ? reinterpret_cast<float*>(dst) + oo : by;
               k(xp, yp, m, p);
               if (yp == by) scatter_f32(out.dtype(), dst, oo, st[1], m, by);
             }
           },
           1 << 14);
}

// ---- complex64 ----
template <UnaryOp Op>
inline auto complex_op(complex64_t z, const float* p) {
  using U = UnaryOp;
  if constexpr (Op == U::Abs) return std::abs(z);
  else if constexpr (Op == U::Real) return z.real();
  else if constexpr (Op == U::Imag) return z.imag();
  else if constexpr (Op == U::Negative) return -z;
  else if constexpr (Op == U::Sign) return z == complex64_t(0) ? z : z / std::abs(z);
  else if constexpr (Op == U::Sqrt) return std::sqrt(z);
  else if constexpr (Op == U::Rsqrt) return complex64_t(1) / std::sqrt(z);
  else if constexpr (Op == U::Square) return z * z;
  else if constexpr (Op == U::Reciprocal) return complex64_t(1) / z;
  else if constexpr (Op == U::Exp) return std::exp(z);
  else if constexpr (Op == U::Log) return std::log(z);
  else if constexpr (Op == U::Log2) return std::log(z) / 0.693147180559945309f;
  else if constexpr (Op == U::Log10) return std::log10(z);
  else if constexpr (Op == U::Log1p) return std::log(complex64_t(1) + z);
  else if constexpr (Op == U::Sin) return std::sin(z);
  else if constexpr (Op == U::Cos) return std::cos(z);
  else if constexpr (Op == U::Tan) return std::tan(z);
  else if constexpr (Op == U::ArcSin) return std::asin(z);
  else if constexpr (Op == U::ArcCos) return std::acos(z);
  else if constexpr (Op == U::ArcTan) return std::atan(z);
  else if constexpr (Op == U::Sinh) return std::sinh(z);
  else if constexpr (Op == U::Cosh) return std::cosh(z);
  else if constexpr (Op == U::Tanh) return std::tanh(z);
  else if constexpr (Op == U::ArcSinh) return std::asinh(z);
  else if constexpr (Op == U::ArcCosh) return std::acosh(z);
  else if constexpr (Op == U::ArcTanh) return std::atanh(z);
  else if constexpr (Op == U::Round) {
    if (p[1] == 0.f) return complex64_t(std::rint(z.real()), std::rint(z.imag()));
    return complex64_t(std::rint(z.real() * p[0]) * p[1], std::rint(z.imag() * p[0]) * p[1]);
  } else if constexpr (Op == U::Degrees) return z * 57.29577951308232f;
  else if constexpr (Op == U::Radians) return z * 0.017453292519943295f;
  else if constexpr (Op == U::Conjugate) return std::conj(z);
  else static_assert(Op == U::Abs, "not a complex op");
}

#define MLX_COMPLEX_OPS(X)                                                                            \
  X(Negative) X(Sign) X(Sqrt) X(Rsqrt) X(Square) X(Reciprocal) X(Exp) X(Log) X(Log2) X(Log10) X(Log1p) \
  X(Sin) X(Cos) X(Tan) X(ArcSin) X(ArcCos) X(ArcTan) X(Sinh) X(Cosh) X(Tanh) X(ArcSinh) X(ArcCosh)     \
  X(ArcTanh) X(Round) X(Degrees) X(Radians) X(Conjugate)

template <typename T>
bool predicate(UnaryOp op, T x) {
  if constexpr (std::is_same_v<T, complex64_t>) {
    float r = x.real(), i = x.imag();
    switch (op) {
      case UnaryOp::IsNan: return std::isnan(r) || std::isnan(i);
      case UnaryOp::IsInf: return std::isinf(r) || std::isinf(i);
      case UnaryOp::IsFinite: return std::isfinite(r) && std::isfinite(i);
      case UnaryOp::IsPosInf: return r == INFINITY && i == 0;
      default: return r == -INFINITY && i == 0;
    }
  } else {
    auto v = static_cast<std::conditional_t<std::is_same_v<T, double>, double, float>>(x);
    switch (op) {
      case UnaryOp::IsNan: return std::isnan(v);
      case UnaryOp::IsInf: return std::isinf(v);
      case UnaryOp::IsFinite: return std::isfinite(v);
      case UnaryOp::IsPosInf: return v == INFINITY;
      default: return v == -INFINITY;
    }
  }
}

void complex_kernel(UnaryOp op, const Src& s, Array& out, const float* p) {
  using C = complex64_t;
  switch (op) {
#define C_(N) case UnaryOp::N: return map<C, C>(s, out, [p](C z) { return complex_op<UnaryOp::N>(z, p); }, 1 << 12);
    MLX_COMPLEX_OPS(C_)
#undef C_
    case UnaryOp::Abs: return map<C, float>(s, out, [p](C z) { return complex_op<UnaryOp::Abs>(z, p); });
    case UnaryOp::Real: return map<C, float>(s, out, [](C z) { return z.real(); });
    case UnaryOp::Imag: return map<C, float>(s, out, [](C z) { return z.imag(); });
    case UnaryOp::LogicalNot: return map<C, bool>(s, out, [](C z) { return z == C(0); });
    default:
      if (is_predicate(op)) return map<C, bool>(s, out, [op](C z) { return predicate(op, z); });
  }
  throw_error(ErrorCode::dtype, std::string("[") + unary_op_name(op) + "] Not supported for complex64.");
}

void f64_kernel(UnaryOp op, const Src& s, Array& out, const float* p) {
  switch (op) {
#define C_(N) \
  case UnaryOp::N: return map<double, double>(s, out, [p](double x) { return real_op<UnaryOp::N, double>(x, p); }, 1 << 12);
    MLX_MATH_OPS(C_) C_(Abs) C_(Negative) C_(Sign) C_(Square) C_(Floor) C_(Ceil) C_(Round)
#undef C_
    default: break;
  }
  throw_error(ErrorCode::dtype, std::string("[") + unary_op_name(op) + "] Not supported for float64.");
}

// Ops on integers and bool that keep the dtype.
template <typename T>
void int_kernel(UnaryOp op, const Src& s, Array& out, const float* p) {
  constexpr bool is_bool = std::is_same_v<T, bool>;
  switch (op) {
    case UnaryOp::Abs:
      if constexpr (std::is_signed_v<T>) return map<T, T>(s, out, [](T x) { return T(x < 0 ? -x : x); });
      else return map<T, T>(s, out, [](T x) { return x; });
    case UnaryOp::Negative:
      if constexpr (!is_bool) return map<T, T>(s, out, [](T x) { return T(-x); });
      break;
    case UnaryOp::Sign:
      if constexpr (std::is_signed_v<T>) return map<T, T>(s, out, [](T x) { return T((x > 0) - (x < 0)); });
      else return map<T, T>(s, out, [](T x) { return T(x != 0); });
    case UnaryOp::Square:
      if constexpr (is_bool) return map<T, T>(s, out, [](T x) { return x; });
      else return map<T, T>(s, out, [](T x) { return T(x * x); });
    case UnaryOp::BitwiseInvert:
      if constexpr (is_bool) return map<T, T>(s, out, [](T x) { return !x; });
      else return map<T, T>(s, out, [](T x) { return T(~x); });
    case UnaryOp::Round:  // decimals != 0: float32 arithmetic as in MLX, then cast back
      return map<T, T>(s, out, [p](T x) { return cast_value<T>(std::rint((float)x * p[0]) * p[1]); });
    case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Conjugate: case UnaryOp::Real:
    case UnaryOp::NanToNum:
      return map<T, T>(s, out, [](T x) { return x; });
    default: break;
  }
  throw_error(ErrorCode::dtype, std::string("[") + unary_op_name(op) + "] Not supported for this dtype.");
}

void fill_bool(Array& out, bool v) { std::memset(out.raw_data(), v ? 1 : 0, out.nbytes()); }

// Gives `out` a buffer: the input's own when it can be donated, else a fresh one laid out
// like the input when that is dense, else row-major. Returns the input view to read.
Src prepare(const Array& a, Array& out) {
  Src s{static_cast<const char*>(a.raw_data()), a.dtype(), a.strides()};
  bool dense = (a.flags().row_contiguous || a.flags().col_contiguous) && a.data_size() == a.size();
  if (dense && a.itemsize() == out.itemsize() && a.is_donatable()) {
    out.move_shared_buffer(a);
    return s;
  }
  if (dense && !a.flags().row_contiguous) {
    out.set_data(Allocator::instance().allocate(out.nbytes()), a.size(), a.strides(), a.flags());
  } else {
    out.allocate();
  }
  return s;
}

void unary_kernel(const Primitive& prim, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  const auto& u = static_cast<const Unary&>(prim);
  const Array& a = inputs[0];
  Array& out = outputs[0];
  UnaryOp op = u.op();
  if (op == UnaryOp::StopGradient) {
    out.copy_shared_buffer(a);
    return;
  }
  if (out.size() == 0) {
    out.allocate();
    return;
  }
  const float* p = u.params().p;
  Dtype in_dt = a.dtype(), out_dt = out.dtype();
  if (op == UnaryOp::Imag && in_dt != Dtype::complex64) {  // imag of a real array: zeros
    out.allocate();
    std::memset(out.raw_data(), 0, out.nbytes());
    return;
  }
  if (is_predicate(op) && !is_inexact(in_dt)) {  // integers are never nan/inf
    out.allocate();
    fill_bool(out, op == UnaryOp::IsFinite);
    return;
  }
  Src s = prepare(a, out);
  if (in_dt == Dtype::complex64) return complex_kernel(op, s, out, p);
  if (is_predicate(op)) {
    return dispatch_float(in_dt, unary_op_name(op), [&](auto tag) {
      using T = typename decltype(tag)::type;
      map<T, bool>(s, out, [op](T x) { return predicate(op, x); });
    });
  }
  if (op == UnaryOp::LogicalNot) {
    return dispatch_all(in_dt, [&](auto tag) {
      using T = typename decltype(tag)::type;
      map<T, bool>(s, out, [](T x) { return !cast_value<bool>(x); });
    });
  }
  if (in_dt == Dtype::float64) return f64_kernel(op, s, out, p);
  if (op == UnaryOp::Round && p[1] != 0.f && (in_dt == Dtype::float16 || in_dt == Dtype::bfloat16)) {
    // MLX rounds each step (x * scale, rint, * 1/scale) to the half type.
    return dispatch_float(in_dt, "round", [&](auto tag) {
      using T = typename decltype(tag)::type;
      float sc = (float)T(p[0]), inv = (float)T(p[1]);
      map<T, T>(s, out, [sc, inv](T x) { return T((float)T(std::rint((float)T((float)x * sc))) * inv); });
    });
  }
  // Math ops on any real input, and the f32-pipeline ops on float16/bfloat16/float32.
  if (is_math_op(op) || (is_floating(in_dt) && is_f32_op(op))) {
    if (out_dt != Dtype::float32 && out_dt != Dtype::float16 && out_dt != Dtype::bfloat16)
      throw_error(ErrorCode::internal, "[unary] unexpected output dtype.");
    return map_f32(s, out, f32_kernel(op), p);
  }
  if (is_floating(in_dt)) {
    if (op == UnaryOp::Conjugate || op == UnaryOp::Real) return dispatch_all(in_dt, [&](auto tag) {
      using T = typename decltype(tag)::type;
      map<T, T>(s, out, [](T x) { return x; });
    });
    throw_error(ErrorCode::dtype, std::string("[") + unary_op_name(op) + "] Not supported for " + dtype_name(in_dt) + ".");
  }
  dispatch_all(in_dt, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T>) int_kernel<T>(op, s, out, p);
  });
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, Unary, unary_kernel);

// Float32 kernel for fused programs (compile); nullptr when the op has no float32 math form.
F32UnaryFn unary_f32_kernel(UnaryOp op) { return is_f32_op(op) ? f32_kernel(op) : nullptr; }

}  // namespace mlx::cpu
