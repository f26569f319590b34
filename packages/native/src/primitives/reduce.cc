#include "reduce.h"

namespace mlx {

template <typename P> static const P* same(const Primitive& o) { return dynamic_cast<const P*>(&o); }

bool Reduce::is_equivalent(const Primitive& o) const { auto p = same<Reduce>(o); return p && p->op_ == op_ && p->axes_ == axes_; }
bool Variance::is_equivalent(const Primitive& o) const {
  auto p = same<Variance>(o);
  return p && p->axes_ == axes_ && p->ddof_ == ddof_ && p->sqrt_ == sqrt_;
}
bool ArgReduce::is_equivalent(const Primitive& o) const { auto p = same<ArgReduce>(o); return p && p->op_ == op_ && p->axis_ == axis_; }
bool Softmax::is_equivalent(const Primitive& o) const { auto p = same<Softmax>(o); return p && p->precise_ == precise_; }
bool LogSumExp::is_equivalent(const Primitive& o) const { return same<LogSumExp>(o) != nullptr; }

}  // namespace mlx

// ---- transform rules ----
#include "../ops/binary.h"
#include "../ops/creation.h"
#include "../ops/reduce.h"
#include "../ops/scan.h"
#include "../ops/shape.h"
#include "../ops/unary.h"

namespace mlx {

namespace {
using V = std::vector<Array>;
using VM = std::pair<std::vector<Array>, std::vector<int>>;

Shape kept(Shape s, const std::vector<int>& axes) {
  for (int a : axes) s[a] = 1;
  return s;
}
int64_t reduced_count(const Array& x, const std::vector<int>& axes) {
  int64_t n = 1;
  for (int a : axes) n *= x.shape(a);
  return n;
}
Array scalar_like(double v, const Array& like) { return Array::scalar(v, like.dtype()); }
Dtype float_out(Dtype t) { return is_inexact(t) ? t : Dtype::float32; }

// Reduction axes after a batch axis `b` was inserted into the input.
std::vector<int> shifted(std::vector<int> axes, int b) {
  if (b >= 0)
    for (int& a : axes) a += a >= b ? 1 : 0;
  return axes;
}

// d prod(x) / dx_j over `axes` = the product of all other elements: an exclusive product from
// the left times one from the right (no division, so zeros are handled), on one flattened axis.
Array prod_partials(const Array& x, const std::vector<int>& axes, Stream s) {
  if (axes.size() == 1)
    return multiply(cumprod(x, axes[0], false, false, s), cumprod(x, axes[0], true, false, s), s);
  std::vector<int> perm, inv(x.ndim());
  Shape flat;
  for (int i = 0, k = 0; i < x.ndim(); i++) {
    if (k < (int)axes.size() && axes[k] == i) { k++; continue; }
    perm.push_back(i);
    flat.push_back(x.shape(i));
  }
  perm.insert(perm.end(), axes.begin(), axes.end());
  for (int i = 0; i < (int)perm.size(); i++) inv[perm[i]] = i;
  Array t = transpose(x, perm, s);
  Shape tshape = t.shape();
  flat.push_back(-1);
  Array f = reshape(t, flat, s);
  int last = f.ndim() - 1;
  Array p = multiply(cumprod(f, last, false, false, s), cumprod(f, last, true, false, s), s);
  return transpose(reshape(p, tshape, s), inv, s);
}
}  // namespace

V Reduce::vjp(const V& primals, const V& cot, const std::vector<int>&, const V& outputs) {
  const Array& x = primals[0];
  const Array& c = cot[0];  // shaped like the output: reduced axes kept with size 1
  Stream s = stream();
  switch (op_) {
    case sum: return {broadcast_to(c, x.shape(), s)};
    case mean: {
      double n = (double)reduced_count(x, axes_);
      return {broadcast_to(multiply(c, scalar_like(1.0 / n, c), s), x.shape(), s)};
    }
    case prod:
      if (x.size() == 0) return {zeros_like(x, s)};
      return {multiply(prod_partials(x, axes_, s), c, s)};
    case max:
    case min: {
      // Ties share the cotangent equally (MLX's rule).
      Array mask = equal(x, outputs[0], false, s);
      Array count = mlx::sum(mask, axes_, true, s);
      return {multiply(divide(c, count, s), mask, s)};
    }
    default:  // all / any: boolean, no gradient
      return {zeros_like(x, s)};
  }
}

V Reduce::jvp(const V& primals, const V& tan, const std::vector<int>&) {
  const Array& x = primals[0];
  const Array& t = tan[0];
  Stream s = stream();
  switch (op_) {
    case sum: return {mlx::sum(t, axes_, true, s)};
    case mean: return {mlx::mean(t, axes_, true, s)};
    case prod:
      if (x.size() == 0) return {mlx::sum(t, axes_, true, s)};
      return {mlx::sum(multiply(prod_partials(x, axes_, s), t, s), axes_, true, s)};
    case max:
    case min: {
      Array out = op_ == max ? mlx::max(x, axes_, true, s) : mlx::min(x, axes_, true, s);
      Array mask = equal(x, out, false, s);
      return {divide(mlx::sum(multiply(t, mask, s), axes_, true, s), mlx::sum(mask, axes_, true, s), s)};
    }
    default:
      return {full(kept(x.shape(), axes_), Array::scalar(0.0, Dtype::bool_), Dtype::bool_, s)};
  }
}

VM Reduce::vmap(const V& in, const std::vector<int>& ax) {
  auto axes = shifted(axes_, ax[0]);
  const Array& x = in[0];
  Stream s = stream();
  Array out;
  switch (op_) {
    case sum: out = mlx::sum(x, axes, true, s); break;
    case prod: out = mlx::prod(x, axes, true, s); break;
    case max: out = mlx::max(x, axes, true, s); break;
    case min: out = mlx::min(x, axes, true, s); break;
    case all: out = mlx::all(x, axes, true, s); break;
    case any: out = mlx::any(x, axes, true, s); break;
    case mean: out = mlx::mean(x, axes, true, s); break;
  }
  return {{out}, {ax[0]}};
}

std::vector<Shape> Reduce::output_shapes(const V& in) { return {kept(in[0].shape(), axes_)}; }

// var = sum |x - mu|^2 / (n - ddof): d var = 2 (x - mu) / (n - ddof); d std = d var / (2 std).
V Variance::vjp(const V& primals, const V& cot, const std::vector<int>&, const V& outputs) {
  const Array& x = primals[0];
  check(x.dtype() != Dtype::complex64, ErrorCode::not_implemented, "[var] VJP of complex inputs is not supported.");
  Stream s = stream();
  double dof = (double)(reduced_count(x, axes_) - ddof_);
  Array d = subtract(x, mean(x, axes_, true, s), s);
  const Array& c = cot[0];
  if (!sqrt_) return {multiply(multiply(c, scalar_like(2.0 / dof, c), s), d, s)};
  return {multiply(divide(c, multiply(outputs[0], scalar_like(dof, c), s), s), d, s)};
}

V Variance::jvp(const V& primals, const V& tan, const std::vector<int>&) {
  const Array& x = primals[0];
  check(x.dtype() != Dtype::complex64, ErrorCode::not_implemented, "[var] JVP of complex inputs is not supported.");
  Stream s = stream();
  double dof = (double)(reduced_count(x, axes_) - ddof_);
  Array d = subtract(x, mean(x, axes_, true, s), s);
  Array dt = sum(multiply(d, tan[0], s), axes_, true, s);
  if (!sqrt_) return {multiply(dt, scalar_like(2.0 / dof, dt), s)};
  Array sd(kept(x.shape(), axes_), float_out(x.dtype()), std::make_shared<Variance>(s, axes_, ddof_, true), {x});
  return {divide(dt, multiply(sd, scalar_like(dof, dt), s), s)};
}

VM Variance::vmap(const V& in, const std::vector<int>& ax) {
  auto axes = shifted(axes_, ax[0]);
  const Array& x = in[0];
  Dtype dt = x.dtype() == Dtype::complex64 ? Dtype::float32 : float_out(x.dtype());
  return {{Array(kept(x.shape(), axes), dt, std::make_shared<Variance>(stream(), axes, ddof_, sqrt_), {x})}, {ax[0]}};
}

std::vector<Shape> Variance::output_shapes(const V& in) { return {kept(in[0].shape(), axes_)}; }

// Indices are piecewise constant: zero gradient and tangent.
V ArgReduce::vjp(const V& primals, const V&, const std::vector<int>&, const V&) { return {zeros_like(primals[0], stream())}; }
V ArgReduce::jvp(const V& primals, const V&, const std::vector<int>&) {
  return {full(kept(primals[0].shape(), {axis_}), Array::scalar(0.0, Dtype::uint32), Dtype::uint32, stream())};
}
VM ArgReduce::vmap(const V& in, const std::vector<int>& ax) {
  int axis = axis_ + (ax[0] >= 0 && ax[0] <= axis_ ? 1 : 0);
  const Array& x = in[0];
  return {{Array(kept(x.shape(), {axis}), Dtype::uint32, std::make_shared<ArgReduce>(stream(), op_, axis), {x})},
          {ax[0]}};
}
std::vector<Shape> ArgReduce::output_shapes(const V& in) { return {kept(in[0].shape(), {axis_})}; }

namespace {
// The softmax Jacobian (diag(s) - s s^T) applied to v along the last axis.
Array softmax_apply(const Array& sm, const Array& v, Stream s) {
  Array sv = multiply(sm, v, s);
  return subtract(sv, multiply(sm, sum(sv, std::vector<int>{sm.ndim() - 1}, true, s), s), s);
}
Array softmax_node(const Array& x, bool precise, Stream s) {
  return Array(x.shape(), float_out(x.dtype()), std::make_shared<Softmax>(s, precise), {x});
}
// Moves a batch axis that sits on the last (reduced) axis to the front.
std::pair<Array, int> batch_off_last(const Array& x, int b, Stream s) {
  if (b >= 0 && b == x.ndim() - 1) return {moveaxis(x, b, 0, s), 0};
  return {x, b};
}
}  // namespace

V Softmax::vjp(const V&, const V& cot, const std::vector<int>&, const V& outputs) {
  return {softmax_apply(outputs[0], cot[0], stream())};
}
V Softmax::jvp(const V& primals, const V& tan, const std::vector<int>&) {
  return {softmax_apply(softmax_node(primals[0], precise_, stream()), tan[0], stream())};
}
VM Softmax::vmap(const V& in, const std::vector<int>& ax) {
  auto [x, b] = batch_off_last(in[0], ax[0], stream());
  return {{softmax_node(x, precise_, stream())}, {b}};
}
std::vector<Shape> Softmax::output_shapes(const V& in) { return {in[0].shape()}; }

// d lse(x) / dx = softmax(x) = exp(x - lse(x)).
V LogSumExp::vjp(const V& primals, const V& cot, const std::vector<int>&, const V& outputs) {
  Stream s = stream();
  const Array& x = primals[0];
  Array sm = exp(subtract(x, expand_dims(outputs[0], {-1}, s), s), s);
  return {multiply(expand_dims(cot[0], {-1}, s), sm, s)};
}
V LogSumExp::jvp(const V& primals, const V& tan, const std::vector<int>&) {
  Stream s = stream();
  const Array& x = primals[0];
  return {sum(multiply(softmax_node(x, true, s), tan[0], s), std::vector<int>{x.ndim() - 1}, false, s)};
}
VM LogSumExp::vmap(const V& in, const std::vector<int>& ax) {
  auto [x, b] = batch_off_last(in[0], ax[0], stream());
  Shape out(x.shape().begin(), x.shape().end() - 1);
  return {{Array(out, float_out(x.dtype()), std::make_shared<LogSumExp>(stream()), {x})}, {b}};
}
std::vector<Shape> LogSumExp::output_shapes(const V& in) {
  return {Shape(in[0].shape().begin(), in[0].shape().end() - 1)};
}

}  // namespace mlx
