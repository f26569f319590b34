// Transform rules of the binary (and ternary) elementwise primitives. Inputs of these nodes
// already share one shape and dtype (the op functions broadcast and cast first), so the
// rules never reduce over broadcast axes: the Broadcast/AsType nodes in front do that.
#include <cmath>

#include "../ops/reduce.h"
#include "binary.h"
#include "ew_util.h"
#include "ternary.h"

namespace mlx {

using namespace ew;

namespace {

Array apply_binary(const Binary& p, const Array& a, const Array& b, const Stream& s) {
  switch (p.op()) {
    case BinaryOp::add: return add(a, b, s);
    case BinaryOp::subtract: return subtract(a, b, s);
    case BinaryOp::multiply: return multiply(a, b, s);
    case BinaryOp::divide: return divide(a, b, s);
    case BinaryOp::floor_divide: return floor_divide(a, b, s);
    case BinaryOp::remainder: return remainder(a, b, s);
    case BinaryOp::power: return power(a, b, s);
    case BinaryOp::maximum: return maximum(a, b, s);
    case BinaryOp::minimum: return minimum(a, b, s);
    case BinaryOp::arctan2: return arctan2(a, b, s);
    case BinaryOp::logaddexp: return logaddexp(a, b, s);
    case BinaryOp::equal: return equal(a, b, p.equal_nan(), s);
    case BinaryOp::not_equal: return not_equal(a, b, s);
    case BinaryOp::less: return less(a, b, s);
    case BinaryOp::less_equal: return less_equal(a, b, s);
    case BinaryOp::greater: return greater(a, b, s);
    case BinaryOp::greater_equal: return greater_equal(a, b, s);
    case BinaryOp::logical_and: return logical_and(a, b, s);
    case BinaryOp::logical_or: return logical_or(a, b, s);
    case BinaryOp::bitwise_and: return bitwise_and(a, b, s);
    case BinaryOp::bitwise_or: return bitwise_or(a, b, s);
    case BinaryOp::bitwise_xor: return bitwise_xor(a, b, s);
    case BinaryOp::left_shift: return left_shift(a, b, s);
    case BinaryOp::right_shift: return right_shift(a, b, s);
  }
  throw_error(ErrorCode::internal, "[Binary] unknown op.");
}

// Comparisons, logical and bitwise ops, floor_divide: piecewise constant, zero gradient (as MLX).
bool zero_grad(BinaryOp op) { return op == BinaryOp::floor_divide || op >= BinaryOp::equal; }

// The contribution of input `arg` to the derivative, applied to g (the Jacobian is diagonal,
// so vjp and jvp use the same expression). `out` is the node's output when known.
Array partial(const Binary& p, int arg, const Array& a, const Array& b, const Array& g, const Array* out,
              const Stream& s) {
  auto mul = [&](const Array& x, const Array& y) { return multiply(x, y, s); };
  auto zero = [&]() { return zeros({}, g.dtype(), s); };
  switch (p.op()) {
    case BinaryOp::add: return g;
    case BinaryOp::subtract: return arg == 0 ? g : negative(g, s);
    case BinaryOp::multiply: return mul(g, arg == 0 ? b : a);
    case BinaryOp::divide:
      return arg == 0 ? divide(g, b, s) : negative(divide(mul(g, a), square(b, s), s), s);
    case BinaryOp::remainder:  // a - b * floor(a / b)
      return arg == 0 ? g : negative(mul(g, floor(divide(a, b, s), s)), s);
    case BinaryOp::power: {
      if (arg == 0) return mul(g, mul(b, power(a, subtract(b, cst(1.0, b), s), s)));
      Array o = out ? *out : power(a, b, s);
      // d/db a^b = log(a) a^b, taken as 0 where a^b is 0 (0 * log 0).
      Array d = where(not_equal(o, zeros({}, o.dtype(), s), s), mul(log(a, s), o), zeros({}, o.dtype(), s), s);
      return mul(g, d);
    }
    case BinaryOp::maximum:  // ties send the gradient to b, as MLX
      return where(arg == 0 ? greater(a, b, s) : less_equal(a, b, s), g, zero(), s);
    case BinaryOp::minimum:
      return where(arg == 0 ? less(a, b, s) : greater_equal(a, b, s), g, zero(), s);
    case BinaryOp::arctan2: {  // atan2(a, b): d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2)
      Array den = add(square(a, s), square(b, s), s);
      return arg == 0 ? mul(g, divide(b, den, s)) : mul(g, divide(negative(a, s), den, s));
    }
    case BinaryOp::logaddexp: {
      Array sg = sigmoid(subtract(a, b, s), s);
      return mul(g, arg == 0 ? sg : subtract(cst(1.0, sg), sg, s));
    }
    default:
      throw_error(ErrorCode::internal, std::string("[") + p.name() + "] no gradient rule.");
  }
}

}  // namespace

// ---- Binary ----

std::vector<Array> Binary::vjp(const V& primals, const V& cot, const std::vector<int>& argnums, const V& outputs) {
  V out;
  for (int arg : argnums) {
    if (zero_grad(op_)) out.push_back(zeros_like(primals[arg], stream()));
    else out.push_back(partial(*this, arg, primals[0], primals[1], cot[0], &outputs[0], stream()));
  }
  return out;
}

std::vector<Array> Binary::jvp(const V& primals, const V& tan, const std::vector<int>& argnums) {
  const Stream& s = stream();
  if (zero_grad(op_)) {
    Dtype dt = binary_op_is_predicate(op_) ? Dtype::bool_ : primals[0].dtype();
    return {zeros(primals[0].shape(), dt, s)};
  }
  Array r = partial(*this, argnums[0], primals[0], primals[1], tan[0], nullptr, s);
  for (size_t i = 1; i < argnums.size(); i++)
    r = add(r, partial(*this, argnums[i], primals[0], primals[1], tan[i], nullptr, s), s);
  return {r};
}

std::pair<std::vector<Array>, std::vector<int>> Binary::vmap(const V& inputs, const std::vector<int>& axes) {
  V in = inputs;
  int ax = align_batch(in, axes, stream());
  return {{apply_binary(*this, in[0], in[1], stream())}, {ax}};
}

std::vector<Shape> Binary::output_shapes(const V& in) { return {broadcast_shapes(in[0].shape(), in[1].shape())}; }

// ---- DivMod: piecewise constant, zero gradient ----

std::vector<Array> DivMod::vjp(const V& primals, const V&, const std::vector<int>& argnums, const V&) {
  V out;
  for (int arg : argnums) out.push_back(zeros_like(primals[arg], stream()));
  return out;
}
std::vector<Array> DivMod::jvp(const V& primals, const V&, const std::vector<int>&) {
  return {zeros_like(primals[0], stream()), zeros_like(primals[0], stream())};
}
std::pair<std::vector<Array>, std::vector<int>> DivMod::vmap(const V& inputs, const std::vector<int>& axes) {
  V in = inputs;
  int ax = align_batch(in, axes, stream());
  return {divmod(in[0], in[1], stream()), {ax, ax}};
}
std::vector<Shape> DivMod::output_shapes(const V& in) {
  Shape sh = broadcast_shapes(in[0].shape(), in[1].shape());
  return {sh, sh};
}

// ---- IsClose: bool output, zero gradient ----

std::vector<Array> IsClose::vjp(const V& primals, const V&, const std::vector<int>& argnums, const V&) {
  V out;
  for (int arg : argnums) out.push_back(zeros_like(primals[arg], stream()));
  return out;
}
std::vector<Array> IsClose::jvp(const V& primals, const V&, const std::vector<int>&) {
  return {zeros(primals[0].shape(), Dtype::bool_, stream())};
}
std::pair<std::vector<Array>, std::vector<int>> IsClose::vmap(const V& inputs, const std::vector<int>& axes) {
  V in = inputs;
  int ax = align_batch(in, axes, stream());
  return {{isclose(in[0], in[1], rtol_, atol_, equal_nan_, stream())}, {ax}};
}
std::vector<Shape> IsClose::output_shapes(const V& in) { return {broadcast_shapes(in[0].shape(), in[1].shape())}; }

// ---- AllTrue (allclose / array_equal): bool scalar ----

std::vector<Array> AllTrue::vjp(const V& primals, const V&, const std::vector<int>&, const V&) {
  return {zeros_like(primals[0], stream())};
}
std::vector<Array> AllTrue::jvp(const V&, const V&, const std::vector<int>&) {
  return {zeros({}, Dtype::bool_, stream())};
}
std::pair<std::vector<Array>, std::vector<int>> AllTrue::vmap(const V& in, const std::vector<int>& axes) {
  if (axes[0] < 0) return {{Array({}, Dtype::bool_, std::make_shared<AllTrue>(stream()), {in[0]})}, {-1}};
  Array x = axes[0] == 0 ? in[0] : moveaxis(in[0], axes[0], 0, stream());
  if (x.ndim() == 1) return {{x}, {0}};
  std::vector<int> red;
  for (int i = 1; i < x.ndim(); i++) red.push_back(i);
  return {{all(x, red, false, stream())}, {0}};
}
std::vector<Shape> AllTrue::output_shapes(const V&) { return {Shape{}}; }

// ---- Select (where) ----

std::vector<Array> Select::vjp(const V& primals, const V& cot, const std::vector<int>& argnums, const V&) {
  const Stream& s = stream();
  const Array& g = cot[0];
  V out;
  for (int arg : argnums) {
    if (arg == 0) out.push_back(zeros_like(primals[0], s));
    else if (arg == 1) out.push_back(where(primals[0], g, zeros({}, g.dtype(), s), s));
    else out.push_back(where(primals[0], zeros({}, g.dtype(), s), g, s));
  }
  return out;
}

std::vector<Array> Select::jvp(const V& primals, const V& tan, const std::vector<int>& argnums) {
  const Stream& s = stream();
  Array t1 = zeros(primals[1].shape(), primals[1].dtype(), s), t2 = t1;
  bool any = false;
  for (size_t i = 0; i < argnums.size(); i++) {
    if (argnums[i] == 1) t1 = tan[i], any = true;
    if (argnums[i] == 2) t2 = tan[i], any = true;
  }
  if (!any) return {zeros(primals[1].shape(), primals[1].dtype(), s)};
  return {where(primals[0], t1, t2, s)};
}

std::pair<std::vector<Array>, std::vector<int>> Select::vmap(const V& inputs, const std::vector<int>& axes) {
  V in = inputs;
  int ax = align_batch(in, axes, stream());
  return {{where(in[0], in[1], in[2], stream())}, {ax}};
}

std::vector<Shape> Select::output_shapes(const V& in) {
  return {broadcast_shapes(broadcast_shapes(in[0].shape(), in[1].shape()), in[2].shape())};
}

}  // namespace mlx
