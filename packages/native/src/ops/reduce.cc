#include "reduce.h"

#include <algorithm>
#include <numeric>

#include "../primitives/reduce.h"
#include "shape.h"

namespace mlx {

namespace {

// MLX reports a bad axis as an index error and duplicates as a value error.
std::vector<int> reduce_axes(const Axes& axes, int ndim, const char* op) {
  std::vector<int> out;
  if (!axes) {
    out.resize(ndim);
    std::iota(out.begin(), out.end(), 0);
    return out;
  }
  for (int ax : *axes) {
    int a = ax < 0 ? ax + ndim : ax;
    if (a < 0 || a >= ndim)
      throw_error(ErrorCode::index, std::string("[") + op + "] Invalid axis " + std::to_string(ax) +
                                        " for array with " + std::to_string(ndim) + " dimensions.");
    out.push_back(a);
  }
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end())
    throw_error(ErrorCode::invalid_argument, std::string("[") + op + "] Duplicate axes detected in reduction.");
  return out;
}

Shape kept_shape(const Shape& shape, const std::vector<int>& axes, bool keepdims) {
  Shape out;
  for (int i = 0, k = 0; i < (int)shape.size(); i++) {
    bool red = k < (int)axes.size() && axes[k] == i;
    if (red) k++;
    if (!red) out.push_back(shape[i]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

Dtype sum_dtype(Dtype t) {
  switch (t) {
    case Dtype::bool_: case Dtype::int8: case Dtype::int16: return Dtype::int32;
    case Dtype::uint8: case Dtype::uint16: return Dtype::uint32;
    default: return t;
  }
}
Dtype float_dtype(Dtype t) { return is_inexact(t) ? t : Dtype::float32; }

Array finish(const Array& a, const Array& r, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  if (keepdims) return r;
  return reshape(r, kept_shape(a.shape(), axes, false), s);
}

Array reduce(const Array& a, Reduce::Op op, Dtype out_dt, const Axes& axes_in, bool keepdims, const char* name,
             StreamOrDevice s) {
  auto axes = reduce_axes(axes_in, a.ndim(), name);
  if (op == Reduce::max || op == Reduce::min) {
    for (int ax : axes)
      if (a.shape(ax) == 0)
        throw_error(ErrorCode::invalid_argument, std::string("[") + name + "] Cannot " + name + " reduce over axis " +
                                                     std::to_string(ax) + " with size 0.");
  }
  // An explicit empty axis list leaves sum/prod/max/min untouched, as in MLX.
  if (axes.empty() && (op == Reduce::sum || op == Reduce::prod || op == Reduce::max || op == Reduce::min)) return a;
  Array r(kept_shape(a.shape(), axes, true), out_dt, std::make_shared<Reduce>(to_stream(s), op, axes), {a});
  return finish(a, r, axes, keepdims, s);
}

// Moves `axes` to the end and flattens them into one: the layout Softmax/LogSumExp kernels take.
Array axes_last(const Array& a, const std::vector<int>& axes, std::vector<int>& perm, StreamOrDevice s) {
  perm.clear();
  for (int i = 0, k = 0; i < a.ndim(); i++) {
    if (k < (int)axes.size() && axes[k] == i) k++;
    else perm.push_back(i);
  }
  int kept = (int)perm.size();
  perm.insert(perm.end(), axes.begin(), axes.end());
  Array t = a;
  bool identity = true;
  for (int i = 0; i < (int)perm.size(); i++) identity &= perm[i] == i;
  if (!identity) t = transpose(a, perm, s);
  Shape sh(t.shape().begin(), t.shape().begin() + kept);
  int64_t n = 1;
  for (int i = kept; i < t.ndim(); i++) n *= t.shape(i);
  sh.push_back(n);
  return reshape(t, sh, s);
}

Array arg_reduce(const Array& a, ArgReduce::Op op, std::optional<int> axis, bool keepdims, const char* name,
                 StreamOrDevice s) {
  if (a.size() == 0)
    throw_error(ErrorCode::invalid_argument, std::string("[") + name + "] Cannot " + name + " reduce zero size array.");
  if (!axis) {
    Array flat = reshape(a, {a.size()}, s);
    Array r(Shape{1}, Dtype::uint32, std::make_shared<ArgReduce>(to_stream(s), op, 0), {flat});
    return reshape(r, keepdims ? Shape(a.ndim(), 1) : Shape{}, s);
  }
  int ax = reduce_axes(std::vector<int>{*axis}, a.ndim(), name)[0];
  Shape sh = a.shape();
  sh[ax] = 1;
  Array r(sh, Dtype::uint32, std::make_shared<ArgReduce>(to_stream(s), op, ax), {a});
  return finish(a, r, {ax}, keepdims, s);
}

}  // namespace

Array sum(const Array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  return reduce(a, Reduce::sum, sum_dtype(a.dtype()), axes, keepdims, "sum", s);
}
Array prod(const Array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  return reduce(a, Reduce::prod, sum_dtype(a.dtype()), axes, keepdims, "prod", s);
}
Array max(const Array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  return reduce(a, Reduce::max, a.dtype(), axes, keepdims, "max", s);
}
Array min(const Array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  return reduce(a, Reduce::min, a.dtype(), axes, keepdims, "min", s);
}
Array all(const Array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  return reduce(a, Reduce::all, Dtype::bool_, axes, keepdims, "all", s);
}
Array any(const Array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  return reduce(a, Reduce::any, Dtype::bool_, axes, keepdims, "any", s);
}
Array mean(const Array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  return reduce(a, Reduce::mean, float_dtype(a.dtype()), axes, keepdims, "mean", s);
}

static Array variance(const Array& a, const Axes& axes_in, bool keepdims, int ddof, bool sq, const char* name,
                      StreamOrDevice s) {
  auto axes = reduce_axes(axes_in, a.ndim(), name);
  Dtype dt = a.dtype() == Dtype::complex64 ? Dtype::float32 : float_dtype(a.dtype());
  Array r(kept_shape(a.shape(), axes, true), dt, std::make_shared<Variance>(to_stream(s), axes, ddof, sq), {a});
  return finish(a, r, axes, keepdims, s);
}
Array var(const Array& a, const Axes& axes, bool keepdims, int ddof, StreamOrDevice s) {
  return variance(a, axes, keepdims, ddof, false, "var", s);
}
Array std(const Array& a, const Axes& axes, bool keepdims, int ddof, StreamOrDevice s) {
  return variance(a, axes, keepdims, ddof, true, "std", s);
}

Array logsumexp(const Array& a, const Axes& axes_in, bool keepdims, StreamOrDevice s) {
  auto axes = reduce_axes(axes_in, a.ndim(), "logsumexp");
  if (a.size() == 0) throw_error(ErrorCode::invalid_argument, "[logsumexp] Received empty array.");
  if (a.dtype() == Dtype::complex64) throw_error(ErrorCode::not_implemented, "[logsumexp] complex64 is not supported yet.");
  std::vector<int> perm;
  Array t = axes_last(a, axes, perm, s);
  Shape out_sh(t.shape().begin(), t.shape().end() - 1);
  Array r(out_sh, float_dtype(a.dtype()), std::make_shared<LogSumExp>(to_stream(s)), {t});
  return reshape(r, kept_shape(a.shape(), axes, keepdims), s);
}

Array softmax(const Array& a, const Axes& axes_in, bool precise, StreamOrDevice s) {
  auto axes = reduce_axes(axes_in, a.ndim(), "softmax");
  if (a.dtype() == Dtype::complex64) throw_error(ErrorCode::not_implemented, "[softmax] complex64 is not supported yet.");
  // No axis (a 0-d input or an explicit []): MLX returns ones in the input dtype.
  if (axes.empty()) return full(a.shape(), Array::scalar(1.0, a.dtype()), a.dtype(), s);
  Dtype dt = float_dtype(a.dtype());
  // MLX promotes only for the single-last-axis case; other axes compute in float and come back
  // in the input dtype (integers truncate).
  bool last_only = axes.size() == 1 && axes[0] == a.ndim() - 1;
  Dtype out_dt = last_only ? dt : a.dtype();
  if (a.size() == 0) return astype(a, out_dt, s);
  std::vector<int> perm;
  Array t = axes_last(a, axes, perm, s);
  Array r(t.shape(), dt, std::make_shared<Softmax>(to_stream(s), precise), {t});
  // Undo the flatten and the permutation (a view when no axis moved).
  Shape tsh;
  for (int p : perm) tsh.push_back(a.shape(p));
  r = reshape(r, tsh, s);
  std::vector<int> inv(perm.size());
  for (int i = 0; i < (int)perm.size(); i++) inv[perm[i]] = i;
  bool identity = true;
  for (int i = 0; i < (int)inv.size(); i++) identity &= inv[i] == i;
  return astype(identity ? r : transpose(r, inv, s), out_dt, s);
}

Array argmax(const Array& a, std::optional<int> axis, bool keepdims, StreamOrDevice s) {
  return arg_reduce(a, ArgReduce::argmax, axis, keepdims, "argmax", s);
}
Array argmin(const Array& a, std::optional<int> axis, bool keepdims, StreamOrDevice s) {
  return arg_reduce(a, ArgReduce::argmin, axis, keepdims, "argmin", s);
}

}  // namespace mlx
