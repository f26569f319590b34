// Transform rules of the Unary primitive (MLX's per-op rules, one switch on the op).
#include <cmath>

#include "ew_util.h"
#include "unary.h"

namespace mlx {

using namespace ew;

namespace {

// Output dtype of a unary node for a given input dtype (mirrors ops/unary.cc).
Dtype unary_out_dtype(UnaryOp op, Dtype in) {
  switch (op) {
    case UnaryOp::IsNan: case UnaryOp::IsInf: case UnaryOp::IsFinite: case UnaryOp::IsPosInf:
    case UnaryOp::IsNegInf: case UnaryOp::LogicalNot:
      return Dtype::bool_;
    case UnaryOp::Abs: case UnaryOp::Real: case UnaryOp::Imag:
      return in == Dtype::complex64 ? Dtype::float32 : in;
    case UnaryOp::Negative: case UnaryOp::Sign: case UnaryOp::Square: case UnaryOp::Floor: case UnaryOp::Ceil:
    case UnaryOp::Round: case UnaryOp::BitwiseInvert: case UnaryOp::Conjugate: case UnaryOp::NanToNum:
    case UnaryOp::StopGradient:
      return in;
    default:
      return is_inexact(in) ? in : Dtype::float32;
  }
}

bool zero_grad(UnaryOp op) {
  switch (op) {
    case UnaryOp::Sign: case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Round: case UnaryOp::IsNan:
    case UnaryOp::IsInf: case UnaryOp::IsFinite: case UnaryOp::IsPosInf: case UnaryOp::IsNegInf:
    case UnaryOp::LogicalNot: case UnaryOp::BitwiseInvert: case UnaryOp::StopGradient:
      return true;
    default:
      return false;
  }
}

Array same_op(const Unary& u, const Array& x, const Stream& s) {
  return Array(x.shape(), unary_out_dtype(u.op(), x.dtype()), std::make_shared<Unary>(s, u.op(), u.params()), {x});
}

// g * f'(x) for the ops whose Jacobian is diagonal and real-analytic (vjp and jvp alike).
// `out` is f(x) when the caller has it (vjp); otherwise it is recomputed when needed.
Array chain(const Unary& u, const Array& x, const Array& g, const Array* out, const Stream& s) {
  auto o = [&]() { return out ? *out : same_op(u, x, s); };
  auto c = [&](double v) { return cst(v, g); };
  auto sq = [&](const Array& a) { return square(a, s); };
  auto mul = [&](const Array& a, const Array& b) { return multiply(a, b, s); };
  auto div = [&](const Array& a, const Array& b) { return divide(a, b, s); };
  switch (u.op()) {
    case UnaryOp::Abs: return mul(g, sign(x, s));
    case UnaryOp::Negative: return negative(g, s);
    case UnaryOp::Sqrt: return div(mul(c(0.5), g), o());
    case UnaryOp::Rsqrt: return mul(mul(c(-0.5), g), div(o(), x));
    case UnaryOp::Square: return mul(g, mul(c(2.0), x));
    case UnaryOp::Reciprocal: return negative(mul(g, sq(o())), s);
    case UnaryOp::Exp: return mul(g, o());
    case UnaryOp::Expm1: return mul(g, add(o(), c(1.0), s));
    case UnaryOp::Log: return div(g, x);
    case UnaryOp::Log2: return div(g, mul(x, c(std::log(2.0))));
    case UnaryOp::Log10: return div(g, mul(x, c(std::log(10.0))));
    case UnaryOp::Log1p: return div(g, add(x, c(1.0), s));
    case UnaryOp::Sin: return mul(g, cos(x, s));
    case UnaryOp::Cos: return negative(mul(g, sin(x, s)), s);
    case UnaryOp::Tan: return div(g, sq(cos(x, s)));
    case UnaryOp::ArcSin: return mul(g, rsqrt(subtract(c(1.0), sq(x), s), s));
    case UnaryOp::ArcCos: return negative(mul(g, rsqrt(subtract(c(1.0), sq(x), s), s)), s);
    case UnaryOp::ArcTan: return div(g, add(c(1.0), sq(x), s));
    case UnaryOp::Sinh: return mul(g, cosh(x, s));
    case UnaryOp::Cosh: return mul(g, sinh(x, s));
    case UnaryOp::Tanh: return div(g, sq(cosh(x, s)));
    case UnaryOp::ArcSinh: return mul(g, rsqrt(add(sq(x), c(1.0), s), s));
    case UnaryOp::ArcCosh: return mul(g, rsqrt(subtract(sq(x), c(1.0), s), s));
    case UnaryOp::ArcTanh: return div(g, subtract(c(1.0), sq(x), s));
    case UnaryOp::Sigmoid: { Array y = o(); return mul(g, mul(y, subtract(c(1.0), y, s))); }
    case UnaryOp::Erf: return mul(mul(c(2.0 / std::sqrt(M_PI)), g), exp(negative(sq(x), s), s));
    case UnaryOp::ErfInv: return mul(mul(c(std::sqrt(M_PI) / 2.0), g), exp(sq(o()), s));
    case UnaryOp::Degrees: return mul(g, c(180.0 / M_PI));
    case UnaryOp::Radians: return mul(g, c(M_PI / 180.0));
    case UnaryOp::NanToNum: return where(isfinite(x, s), g, zeros({}, g.dtype(), s), s);
    default:
      throw_error(ErrorCode::not_implemented, std::string("[") + u.name() + "] gradient is not implemented.");
  }
}

}  // namespace

std::vector<Array> Unary::vjp(const V& primals, const V& cot, const std::vector<int>&, const V& outputs) {
  const Array& x = primals[0];
  const Array& g = cot[0];
  const Stream& s = stream();
  if (zero_grad(op_)) return {zeros_like(x, s)};
  switch (op_) {
    case UnaryOp::Conjugate: return {conjugate(g, s)};
    case UnaryOp::Real: return {astype(g, x.dtype(), s)};
    case UnaryOp::Imag:
      if (x.dtype() != Dtype::complex64) return {zeros_like(x, s)};  // imag of a real array is constant
      return {multiply(Array::scalar_complex({0.0f, -1.0f}), g, s)};
    default: return {chain(*this, x, g, &outputs[0], s)};
  }
}

std::vector<Array> Unary::jvp(const V& primals, const V& tan, const std::vector<int>&) {
  const Array& x = primals[0];
  const Array& t = tan[0];
  const Stream& s = stream();
  if (zero_grad(op_)) return {zeros(x.shape(), unary_out_dtype(op_, x.dtype()), s)};
  switch (op_) {
    case UnaryOp::Conjugate: return {conjugate(t, s)};
    case UnaryOp::Real: return {real(t, s)};
    case UnaryOp::Imag:
      if (x.dtype() != Dtype::complex64) return {zeros_like(x, s)};
      return {imag(t, s)};
    default: return {chain(*this, x, t, nullptr, s)};
  }
}

std::pair<std::vector<Array>, std::vector<int>> Unary::vmap(const V& in, const std::vector<int>& axes) {
  return {{same_op(*this, in[0], stream())}, {axes[0]}};
}

std::vector<Shape> Unary::output_shapes(const V& in) { return {in[0].shape()}; }

}  // namespace mlx
