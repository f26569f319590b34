#include "scan.h"

#include "../primitives/scan.h"
#include "shape.h"

namespace mlx {

namespace {
Array scan(const Array& a, Scan::Op op, int axis, bool reverse, bool inclusive, StreamOrDevice s, const char* name) {
  if (axis >= a.ndim() || axis < -a.ndim())
    throw_error(ErrorCode::shape, std::string("[") + name + "] Axis " + std::to_string(axis) +
                                      " is out of bounds for array with " + std::to_string(a.ndim()) + " dimensions.");
  axis = axis < 0 ? axis + a.ndim() : axis;
  Array x = a;
  if (op == Scan::Op::sum && a.dtype() == Dtype::bool_) x = astype(a, Dtype::int32, s);
  if (op == Scan::Op::logaddexp && !is_inexact(a.dtype())) x = astype(a, Dtype::float32, s);
  return Array(x.shape(), x.dtype(), std::make_shared<Scan>(to_stream(s), op, axis, reverse, inclusive), {x});
}
Array flat(const Array& a, StreamOrDevice s) { return reshape(a, {a.size()}, s); }
}  // namespace

Array cumsum(const Array& a, int axis, bool r, bool inc, StreamOrDevice s) { return scan(a, Scan::Op::sum, axis, r, inc, s, "cumsum"); }
Array cumprod(const Array& a, int axis, bool r, bool inc, StreamOrDevice s) { return scan(a, Scan::Op::prod, axis, r, inc, s, "cumprod"); }
Array cummax(const Array& a, int axis, bool r, bool inc, StreamOrDevice s) { return scan(a, Scan::Op::max, axis, r, inc, s, "cummax"); }
Array cummin(const Array& a, int axis, bool r, bool inc, StreamOrDevice s) { return scan(a, Scan::Op::min, axis, r, inc, s, "cummin"); }
Array logcumsumexp(const Array& a, int axis, bool r, bool inc, StreamOrDevice s) {
  return scan(a, Scan::Op::logaddexp, axis, r, inc, s, "logcumsumexp");
}

Array cumsum(const Array& a, bool r, bool inc, StreamOrDevice s) { return cumsum(flat(a, s), 0, r, inc, s); }
Array cumprod(const Array& a, bool r, bool inc, StreamOrDevice s) { return cumprod(flat(a, s), 0, r, inc, s); }
Array cummax(const Array& a, bool r, bool inc, StreamOrDevice s) { return cummax(flat(a, s), 0, r, inc, s); }
Array cummin(const Array& a, bool r, bool inc, StreamOrDevice s) { return cummin(flat(a, s), 0, r, inc, s); }
Array logcumsumexp(const Array& a, bool r, bool inc, StreamOrDevice s) { return logcumsumexp(flat(a, s), 0, r, inc, s); }

}  // namespace mlx
