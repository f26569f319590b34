#include "unary.h"

#include <cmath>
#include <limits>

#include "../primitives/unary.h"

namespace mlx {

namespace {

Array make(const Array& a, Dtype out, UnaryOp op, StreamOrDevice s, UnaryParams p = {}) {
  return Array(a.shape(), out, std::make_shared<Unary>(to_stream(s), op, p), {a});
}

[[noreturn]] void unsupported(const char* op, Dtype dt) {
  throw_error(ErrorCode::dtype, std::string("[") + op + "] Not supported for " + dtype_name(dt) + ".");
}

// exp, log, sin, ...: integers and bool compute in float32, inexact types keep their dtype.
Array float_math(const Array& a, UnaryOp op, const char* name, bool complex_ok, StreamOrDevice s) {
  Dtype dt = a.dtype();
  if (dt == Dtype::complex64 && !complex_ok) unsupported(name, dt);
  return make(a, is_inexact(dt) ? dt : Dtype::float32, op, s);
}

bool is_complex(const Array& a) { return a.dtype() == Dtype::complex64; }
bool is_int_or_bool(const Array& a) { return !is_inexact(a.dtype()); }

}  // namespace

#define MLX_FLOAT_MATH(fn, Op, cx) \
  Array fn(const Array& a, StreamOrDevice s) { return float_math(a, UnaryOp::Op, #fn, cx, s); }
MLX_FLOAT_MATH(sqrt, Sqrt, true)
MLX_FLOAT_MATH(rsqrt, Rsqrt, true)
MLX_FLOAT_MATH(reciprocal, Reciprocal, true)
MLX_FLOAT_MATH(exp, Exp, true)
MLX_FLOAT_MATH(expm1, Expm1, false)
MLX_FLOAT_MATH(log, Log, true)
MLX_FLOAT_MATH(log2, Log2, true)
MLX_FLOAT_MATH(log10, Log10, true)
MLX_FLOAT_MATH(log1p, Log1p, true)
MLX_FLOAT_MATH(sin, Sin, true)
MLX_FLOAT_MATH(cos, Cos, true)
MLX_FLOAT_MATH(tan, Tan, true)
MLX_FLOAT_MATH(arcsin, ArcSin, true)
MLX_FLOAT_MATH(arccos, ArcCos, true)
MLX_FLOAT_MATH(arctan, ArcTan, true)
MLX_FLOAT_MATH(sinh, Sinh, true)
MLX_FLOAT_MATH(cosh, Cosh, true)
MLX_FLOAT_MATH(tanh, Tanh, true)
MLX_FLOAT_MATH(arcsinh, ArcSinh, true)
MLX_FLOAT_MATH(arccosh, ArcCosh, true)
MLX_FLOAT_MATH(arctanh, ArcTanh, true)
MLX_FLOAT_MATH(sigmoid, Sigmoid, false)
MLX_FLOAT_MATH(erf, Erf, false)
MLX_FLOAT_MATH(erfinv, ErfInv, false)
MLX_FLOAT_MATH(degrees, Degrees, true)
MLX_FLOAT_MATH(radians, Radians, true)
#undef MLX_FLOAT_MATH

Array abs(const Array& a, StreamOrDevice s) {
  return make(a, is_complex(a) ? Dtype::float32 : a.dtype(), UnaryOp::Abs, s);
}
Array negative(const Array& a, StreamOrDevice s) {
  if (a.dtype() == Dtype::bool_)
    throw_error(ErrorCode::dtype, "[negative] Not supported for bool, use logical_not instead.");
  return make(a, a.dtype(), UnaryOp::Negative, s);
}
Array sign(const Array& a, StreamOrDevice s) { return make(a, a.dtype(), UnaryOp::Sign, s); }
Array square(const Array& a, StreamOrDevice s) { return make(a, a.dtype(), UnaryOp::Square, s); }

Array floor(const Array& a, StreamOrDevice s) {
  if (is_complex(a)) unsupported("floor", a.dtype());
  if (is_int_or_bool(a)) return a;
  return make(a, a.dtype(), UnaryOp::Floor, s);
}
Array ceil(const Array& a, StreamOrDevice s) {
  if (is_complex(a)) unsupported("ceil", a.dtype());
  if (is_int_or_bool(a)) return a;
  return make(a, a.dtype(), UnaryOp::Ceil, s);
}

// MLX: round(a * scale) * (1/scale) in at-least-float precision, cast back to a's dtype.
Array round(const Array& a, int decimals, StreamOrDevice s) {
  if (decimals == 0 && is_int_or_bool(a)) return a;
  UnaryParams p;
  p.decimals = decimals;
  if (decimals != 0) {
    float scale = (float)std::pow(10.0, decimals);
    p.p[0] = scale;
    p.p[1] = 1.0f / scale;
  }
  return make(a, a.dtype(), UnaryOp::Round, s, p);
}

Array isnan(const Array& a, StreamOrDevice s) { return make(a, Dtype::bool_, UnaryOp::IsNan, s); }
Array isinf(const Array& a, StreamOrDevice s) { return make(a, Dtype::bool_, UnaryOp::IsInf, s); }
Array isfinite(const Array& a, StreamOrDevice s) { return make(a, Dtype::bool_, UnaryOp::IsFinite, s); }
Array isposinf(const Array& a, StreamOrDevice s) { return make(a, Dtype::bool_, UnaryOp::IsPosInf, s); }
Array isneginf(const Array& a, StreamOrDevice s) { return make(a, Dtype::bool_, UnaryOp::IsNegInf, s); }
Array logical_not(const Array& a, StreamOrDevice s) { return make(a, Dtype::bool_, UnaryOp::LogicalNot, s); }

Array bitwise_invert(const Array& a, StreamOrDevice s) {
  if (is_inexact(a.dtype()))
    throw_error(ErrorCode::dtype, "[bitwise_invert] Bitwise inverse only allowed on integer types.");
  return make(a, a.dtype(), UnaryOp::BitwiseInvert, s);
}

Array conjugate(const Array& a, StreamOrDevice s) {
  if (!is_complex(a)) return a;
  return make(a, a.dtype(), UnaryOp::Conjugate, s);
}
Array real(const Array& a, StreamOrDevice s) {
  if (!is_complex(a)) return a;
  return make(a, Dtype::float32, UnaryOp::Real, s);
}
// imag of a real array is zeros of the same dtype, as in MLX.
Array imag(const Array& a, StreamOrDevice s) {
  return make(a, is_complex(a) ? Dtype::float32 : a.dtype(), UnaryOp::Imag, s);
}
Array stop_gradient(const Array& a, StreamOrDevice s) { return make(a, a.dtype(), UnaryOp::StopGradient, s); }

Array nan_to_num(const Array& a, float nan, std::optional<float> posinf, std::optional<float> neginf,
                 StreamOrDevice s) {
  Dtype dt = a.dtype();
  if (is_int_or_bool(a)) return a;
  float maxv;
  switch (dt) {
    case Dtype::float32: maxv = std::numeric_limits<float>::max(); break;
    case Dtype::float16: maxv = 65504.0f; break;
    case Dtype::bfloat16: maxv = bf16_to_float(0x7f7f); break;
    default:
      throw_error(ErrorCode::dtype, std::string("[nan_to_num] Does not yet support given type: ") + dtype_name(dt) + ".");
  }
  UnaryParams p;
  p.p[0] = nan;
  p.p[1] = posinf.value_or(maxv);
  p.p[2] = neginf.value_or(-maxv);
  return make(a, dt, UnaryOp::NanToNum, s, p);
}

}  // namespace mlx
