#include "binary.h"

#include "../primitives/binary.h"
#include "../primitives/ternary.h"
#include "shape.h"

namespace mlx {

namespace {

Dtype at_least_float(Dtype t) { return is_inexact(t) ? t : promote_types(t, Dtype::float32); }

Shape broadcast_or_throw(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; i++) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      throw_error(ErrorCode::shape, std::string("[") + op + "] Shapes " + shape_str(a) + " and " + shape_str(b) +
                                        " cannot be broadcast.");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// Broadcasts both inputs to the common shape and casts them to `compute`; the primitive's
// inputs then share shape and dtype, which keeps kernels to one type parameter.
template <typename P, typename... Args>
Array make_binary(const Array& a, const Array& b, Dtype compute, Dtype out, const char* op, StreamOrDevice s,
                  Args... args) {
  Shape shape = broadcast_or_throw(a.shape(), b.shape(), op);
  Array x = broadcast_to(astype(a, compute, s), shape, s);
  Array y = broadcast_to(astype(b, compute, s), shape, s);
  return Array(shape, out, std::make_shared<P>(to_stream(s), args...), {x, y});
}

template <typename P>
Array arith(const Array& a, const Array& b, const char* op, StreamOrDevice s) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  return make_binary<P>(a, b, t, t, op, s);
}

template <typename P>
Array compare(const Array& a, const Array& b, const char* op, StreamOrDevice s) {
  return make_binary<P>(a, b, promote_types(a.dtype(), b.dtype()), Dtype::bool_, op, s);
}

void no_complex(Dtype t, const char* op) {
  if (t == Dtype::complex64) throw_error(ErrorCode::dtype, std::string("[") + op + "] Not supported for complex64.");
}

Dtype integer_type(const Array& a, const Array& b, const char* op) {
  auto ok = [](Dtype t) { return is_integral(t) || t == Dtype::bool_; };
  if (!ok(a.dtype()) || !ok(b.dtype()))
    throw_error(ErrorCode::dtype, std::string("[") + op + "] Only allowed on integer or boolean types but got types " +
                                      dtype_name(a.dtype()) + " and " + dtype_name(b.dtype()) + ".");
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (!ok(t))  // e.g. uint64 with a signed type promotes to float32
    throw_error(ErrorCode::dtype, std::string("[") + op + "] Only allowed on integer or boolean types but " +
                                      dtype_name(a.dtype()) + " and " + dtype_name(b.dtype()) + " promote to " +
                                      dtype_name(t) + ".");
  return t;
}

}  // namespace

Array add(const Array& a, const Array& b, StreamOrDevice s) { return arith<Add>(a, b, "add", s); }
Array subtract(const Array& a, const Array& b, StreamOrDevice s) { return arith<Subtract>(a, b, "subtract", s); }
Array multiply(const Array& a, const Array& b, StreamOrDevice s) { return arith<Multiply>(a, b, "multiply", s); }
Array maximum(const Array& a, const Array& b, StreamOrDevice s) { return arith<Maximum>(a, b, "maximum", s); }
Array minimum(const Array& a, const Array& b, StreamOrDevice s) { return arith<Minimum>(a, b, "minimum", s); }
Array power(const Array& a, const Array& b, StreamOrDevice s) { return arith<Power>(a, b, "power", s); }
Array floor_divide(const Array& a, const Array& b, StreamOrDevice s) {
  return arith<FloorDivide>(a, b, "floor_divide", s);
}

Array divide(const Array& a, const Array& b, StreamOrDevice s) {
  Dtype t = at_least_float(promote_types(a.dtype(), b.dtype()));
  return make_binary<Divide>(a, b, t, t, "divide", s);
}

Array remainder(const Array& a, const Array& b, StreamOrDevice s) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (t == Dtype::complex64) throw_error(ErrorCode::dtype, "[remainder] Complex type not supported.");
  return make_binary<Remainder>(a, b, t, t, "remainder", s);
}

std::vector<Array> divmod(const Array& a, const Array& b, StreamOrDevice s) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (t == Dtype::complex64) throw_error(ErrorCode::dtype, "[divmod] Complex type not supported.");
  Shape shape = broadcast_or_throw(a.shape(), b.shape(), "divmod");
  Array x = broadcast_to(astype(a, t, s), shape, s);
  Array y = broadcast_to(astype(b, t, s), shape, s);
  return Array::make_siblings({shape, shape}, {t, t}, std::make_shared<DivMod>(to_stream(s)), {x, y});
}

Array arctan2(const Array& a, const Array& b, StreamOrDevice s) {
  Dtype t = at_least_float(promote_types(a.dtype(), b.dtype()));
  no_complex(t, "arctan2");
  return make_binary<ArcTan2>(a, b, t, t, "arctan2", s);
}

Array logaddexp(const Array& a, const Array& b, StreamOrDevice s) {
  Dtype t = at_least_float(promote_types(a.dtype(), b.dtype()));
  return make_binary<LogAddExp>(a, b, t, t, "logaddexp", s);
}

Array equal(const Array& a, const Array& b, bool equal_nan, StreamOrDevice s) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  return make_binary<Equal>(a, b, t, Dtype::bool_, "equal", s, equal_nan && is_inexact(t));
}
Array not_equal(const Array& a, const Array& b, StreamOrDevice s) { return compare<NotEqual>(a, b, "not_equal", s); }
Array less(const Array& a, const Array& b, StreamOrDevice s) { return compare<Less>(a, b, "less", s); }
Array less_equal(const Array& a, const Array& b, StreamOrDevice s) { return compare<LessEqual>(a, b, "less_equal", s); }
Array greater(const Array& a, const Array& b, StreamOrDevice s) { return compare<Greater>(a, b, "greater", s); }
Array greater_equal(const Array& a, const Array& b, StreamOrDevice s) {
  return compare<GreaterEqual>(a, b, "greater_equal", s);
}

Array logical_and(const Array& a, const Array& b, StreamOrDevice s) {
  return make_binary<LogicalAnd>(a, b, Dtype::bool_, Dtype::bool_, "logical_and", s);
}
Array logical_or(const Array& a, const Array& b, StreamOrDevice s) {
  return make_binary<LogicalOr>(a, b, Dtype::bool_, Dtype::bool_, "logical_or", s);
}

Array bitwise_and(const Array& a, const Array& b, StreamOrDevice s) {
  Dtype t = integer_type(a, b, "bitwise_and");
  return make_binary<BitwiseAnd>(a, b, t, t, "bitwise_and", s);
}
Array bitwise_or(const Array& a, const Array& b, StreamOrDevice s) {
  Dtype t = integer_type(a, b, "bitwise_or");
  return make_binary<BitwiseOr>(a, b, t, t, "bitwise_or", s);
}
Array bitwise_xor(const Array& a, const Array& b, StreamOrDevice s) {
  Dtype t = integer_type(a, b, "bitwise_xor");
  return make_binary<BitwiseXor>(a, b, t, t, "bitwise_xor", s);
}
// Shifting bools works on uint8, as in MLX.
Array left_shift(const Array& a, const Array& b, StreamOrDevice s) {
  Dtype t = integer_type(a, b, "left_shift");
  if (t == Dtype::bool_) t = Dtype::uint8;
  return make_binary<LeftShift>(a, b, t, t, "left_shift", s);
}
Array right_shift(const Array& a, const Array& b, StreamOrDevice s) {
  Dtype t = integer_type(a, b, "right_shift");
  if (t == Dtype::bool_) t = Dtype::uint8;
  return make_binary<RightShift>(a, b, t, t, "right_shift", s);
}

Array where(const Array& cond, const Array& x, const Array& y, StreamOrDevice s) {
  Shape shape = broadcast_or_throw(broadcast_or_throw(cond.shape(), x.shape(), "where"), y.shape(), "where");
  Dtype t = promote_types(x.dtype(), y.dtype());
  Array c = broadcast_to(astype(cond, Dtype::bool_, s), shape, s);
  Array a = broadcast_to(astype(x, t, s), shape, s);
  Array b = broadcast_to(astype(y, t, s), shape, s);
  return Array(shape, t, std::make_shared<Select>(to_stream(s)), {c, a, b});
}

Array clip(const Array& a, const std::optional<Array>& a_min, const std::optional<Array>& a_max, StreamOrDevice s) {
  if (!a_min && !a_max) throw_error(ErrorCode::invalid_argument, "[clip] At most one of a_min and a_max may be None");
  Array out = a;
  if (a_min) out = maximum(out, *a_min, s);
  if (a_max) out = minimum(out, *a_max, s);
  return out;
}

Array isclose(const Array& a, const Array& b, double rtol, double atol, bool equal_nan, StreamOrDevice s) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  return make_binary<IsClose>(a, b, t, Dtype::bool_, "isclose", s, rtol, atol, equal_nan);
}

Array allclose(const Array& a, const Array& b, double rtol, double atol, bool equal_nan, StreamOrDevice s) {
  Array c = isclose(a, b, rtol, atol, equal_nan, s);
  return Array({}, Dtype::bool_, std::make_shared<AllTrue>(to_stream(s)), {c});
}

Array array_equal(const Array& a, const Array& b, bool equal_nan, StreamOrDevice s) {
  if (a.shape() != b.shape()) return Array::scalar(0.0, Dtype::bool_);
  Array e = equal(a, b, equal_nan, s);
  return Array({}, Dtype::bool_, std::make_shared<AllTrue>(to_stream(s)), {e});
}

}  // namespace mlx
