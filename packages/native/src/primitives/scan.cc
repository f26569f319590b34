#include "scan.h"

#include <cmath>

#include "../ops/binary.h"
#include "../ops/creation.h"
#include "../ops/indexing.h"
#include "../ops/scan.h"
#include "../ops/shape.h"
#include "../ops/unary.h"

namespace mlx {

const char* Scan::name() const {
  switch (op_) {
    case Op::sum: return "CumSum";
    case Op::prod: return "CumProd";
    case Op::max: return "CumMax";
    case Op::min: return "CumMin";
    case Op::logaddexp: return "CumLogaddexp";
  }
  return "Scan";
}

bool Scan::is_equivalent(const Primitive& o) const {
  auto p = dynamic_cast<const Scan*>(&o);
  return p && p->op_ == op_ && p->axis_ == axis_ && p->reverse_ == reverse_ && p->inclusive_ == inclusive_;
}

std::pair<std::vector<Array>, std::vector<int>> Scan::vmap(const std::vector<Array>& in, const std::vector<int>& ax) {
  int b = ax[0];
  int axis = b >= 0 && b <= axis_ ? axis_ + 1 : axis_;
  const Array& x = in[0];
  return {{Array(x.shape(), x.dtype(), std::make_shared<Scan>(stream(), op_, axis, reverse_, inclusive_), {x})}, {b}};
}

std::vector<Shape> Scan::output_shapes(const std::vector<Array>& in) { return {in[0].shape()}; }

Array Scan::scan_again(const Array& x, Op op, bool reverse, bool inclusive) {
  return Array(x.shape(), x.dtype(), std::make_shared<Scan>(stream(), op, axis_, reverse, inclusive), {x});
}

namespace {
// Shifts `a` one step along the scan direction (an exclusive scan is the inclusive one shifted),
// filling the vacated end with `fill`; `back` shifts the other way (the adjoint, with fill 0).
Array shift(const Array& a, int axis, bool toward_end, const Array& fill, Stream s) {
  int64_t n = a.shape(axis);
  Shape fs = a.shape();
  fs[axis] = 1;
  Array f = full(fs, fill, a.dtype(), s);
  if (n <= 1) return n == 1 ? f : a;
  Shape b(a.ndim(), 0), e = a.shape(), st(a.ndim(), 1);
  if (toward_end) {
    e[axis] = n - 1;
    return concatenate({f, slice(a, b, e, st, s)}, axis, s);
  }
  b[axis] = 1;
  return concatenate({slice(a, b, e, st, s), f}, axis, s);
}

// 0, 1, ..., n-1 along `axis`, shaped to broadcast against an array of `ndim` dims.
Array positions(int64_t n, int axis, int ndim, Stream s) {
  Shape sh(ndim, 1);
  sh[axis] = n;
  return reshape(arange(0, (double)n, 1, Dtype::int32, s), sh, s);
}

Array neg_inf(const Array& like) { return Array::scalar(-INFINITY, like.dtype()); }
}  // namespace

// Gradients of the inclusive scan y = scan(x) along axis_ in direction reverse_.
// prod: exclusive products avoid dividing by zero at the first zero; later elements get 0.
// max/min: each output comes from one input (the running arg-extremum); the cotangent goes there.
// logaddexp: g_j = sum_{i >= j} c_i exp(x_j - y_i), in log space for the positive and negative
// parts of c separately (stable for any magnitude).
Array Scan::inclusive_vjp(const Array& x, const Array& y, const Array& c) {
  Stream s = stream();
  const bool r = reverse_;
  auto rsum = [&](const Array& v) { return cumsum(v, axis_, !r, true, s); };
  switch (op_) {
    case Op::sum: return rsum(c);
    case Op::prod: {
      Array zero = Array::scalar(0.0, x.dtype());
      Array ex = scan_again(x, Op::prod, r, false);
      Array first_zero = logical_and(equal(x, zero, false, s), not_equal(ex, zero, s), s);
      Array y1 = scan_again(where(first_zero, Array::scalar(1.0, x.dtype()), x, s), Op::prod, r, true);
      Array regular = divide(rsum(multiply(y, c, s)), x, s);
      return where(first_zero, rsum(multiply(y1, c, s)), where(equal(ex, zero, false, s), zero, regular, s), s);
    }
    case Op::max:
    case Op::min: {
      int64_t n = x.shape(axis_);
      Array pos = positions(n, axis_, x.ndim(), s);
      Array fresh = equal(x, y, false, s);  // where the running extremum was (re)set
      Array idx = r ? cummin(where(fresh, pos, Array::scalar_int(n - 1, Dtype::int32), s), axis_, true, true, s)
                    : cummax(where(fresh, pos, Array::scalar_int(0, Dtype::int32), s), axis_, false, true, s);
      return scatter_add_axis(zeros(x.shape(), c.dtype(), s), idx, c, axis_, s);
    }
    case Op::logaddexp: {
      Array zero = Array::scalar(0.0, c.dtype());
      auto part = [&](const Array& cp) {
        Array lc = where(greater(cp, zero, s), log(cp, s), neg_inf(cp), s);
        return exp(add(logcumsumexp(subtract(lc, y, s), axis_, !r, true, s), x, s), s);
      };
      return subtract(part(c), part(negative(c, s)), s);
    }
  }
  return c;
}

Array Scan::inclusive_jvp(const Array& x, const Array& t) {
  Stream s = stream();
  const bool r = reverse_;
  switch (op_) {
    case Op::sum: return cumsum(t, axis_, r, true, s);
    case Op::prod: {
      // Before the first zero: y * cumsum(t / x). From it on only its own tangent survives:
      // t_z times the product of the others (the scan with that zero replaced by one).
      Array zero = Array::scalar(0.0, x.dtype());
      Array ex = scan_again(x, Op::prod, r, false);
      Array first_zero = logical_and(equal(x, zero, false, s), not_equal(ex, zero, s), s);
      Array xz = where(first_zero, Array::scalar(1.0, x.dtype()), x, s);
      Array y1 = scan_again(xz, Op::prod, r, true);
      Array y = scan_again(x, Op::prod, r, true);
      Array before = cumsum(divide(t, xz, s), axis_, r, true, s);
      Array after = cumsum(where(first_zero, t, Array::scalar(0.0, t.dtype()), s), axis_, r, true, s);
      return multiply(y1, where(not_equal(y, zero, s), before, after, s), s);
    }
    case Op::max:
    case Op::min: {
      int64_t n = x.shape(axis_);
      Array y = scan_again(x, op_, r, true);
      Array pos = positions(n, axis_, x.ndim(), s);
      Array fresh = equal(x, y, false, s);
      Array idx = r ? cummin(where(fresh, pos, Array::scalar_int(n - 1, Dtype::int32), s), axis_, true, true, s)
                    : cummax(where(fresh, pos, Array::scalar_int(0, Dtype::int32), s), axis_, false, true, s);
      return take_along_axis(t, idx, axis_, s);
    }
    case Op::logaddexp: {
      Array y = scan_again(x, Op::logaddexp, r, true);
      Array zero = Array::scalar(0.0, t.dtype());
      auto part = [&](const Array& tp) {
        Array lt = where(greater(tp, zero, s), log(tp, s), neg_inf(tp), s);
        return exp(subtract(logcumsumexp(add(x, lt, s), axis_, r, true, s), y, s), s);
      };
      return subtract(part(t), part(negative(t, s)), s);
    }
  }
  return t;
}

std::vector<Array> Scan::vjp(const std::vector<Array>& primals, const std::vector<Array>& cot,
                             const std::vector<int>&, const std::vector<Array>& outputs) {
  const Array& x = primals[0];
  if (op_ == Op::sum) return {cumsum(cot[0], axis_, !reverse_, inclusive_, stream())};
  if (x.size() == 0) return {zeros_like(x, stream())};
  if (inclusive_) return {inclusive_vjp(x, outputs[0], cot[0])};
  // exclusive: y = shift(inclusive(x)), so the inclusive scan sees the cotangent shifted back.
  Array c = shift(cot[0], axis_, reverse_, Array::scalar(0.0, cot[0].dtype()), stream());
  return {inclusive_vjp(x, scan_again(x, op_, reverse_, true), c)};
}

std::vector<Array> Scan::jvp(const std::vector<Array>& primals, const std::vector<Array>& tan, const std::vector<int>&) {
  const Array& x = primals[0];
  if (op_ == Op::sum) return {cumsum(tan[0], axis_, reverse_, inclusive_, stream())};
  if (x.size() == 0) return {tan[0]};
  Array t = inclusive_jvp(x, tan[0]);
  if (inclusive_) return {t};
  return {shift(t, axis_, !reverse_, Array::scalar(0.0, t.dtype()), stream())};
}

}  // namespace mlx
