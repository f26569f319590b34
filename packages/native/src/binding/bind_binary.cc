// Binary and ternary elementwise ops. A JS number next to an array is weakly typed (MLX's
// Python-scalar rule, see to_array_like); two JS numbers become float32 scalars.
#include <cmath>
#include <limits>

#include "../ops/binary.h"
#include "convert.h"

namespace mlx::js {

namespace {

bool is_array(Napi::Value v) { return v.IsObject() && ArrayWrap::is(v); }

// Like to_array_like, plus MLX's overflow check for integer-valued numbers on integer arrays.
Array scalar_like(Napi::Value v, const Array& like) {
  if (v.IsNumber() && is_integral(like.dtype())) {
    double d = v.As<Napi::Number>().DoubleValue();
    // MLX checks the range for every integer type but uint64, where negative values wrap.
    if (like.dtype() == Dtype::uint64 && d < 0 && d >= -9223372036854775808.0 && std::floor(d) == d)
      return Array::scalar_int((int64_t)d, Dtype::uint64);
    if (std::isfinite(d) && std::floor(d) == d && like.dtype() != Dtype::uint64) {
      double lo = 0, hi = 0;
      switch (like.dtype()) {
        case Dtype::uint8: lo = 0, hi = 255; break;
        case Dtype::uint16: lo = 0, hi = 65535; break;
        case Dtype::uint32: lo = 0, hi = 4294967295.0; break;
        case Dtype::uint64: lo = 0, hi = 18446744073709551615.0; break;
        case Dtype::int8: lo = -128, hi = 127; break;
        case Dtype::int16: lo = -32768, hi = 32767; break;
        case Dtype::int32: lo = -2147483648.0, hi = 2147483647.0; break;
        default: lo = -9223372036854775808.0, hi = 9223372036854775807.0; break;
      }
      if (d < lo || d > hi)
        throw_error(ErrorCode::invalid_argument, "Converting " + std::to_string((long long)d) + " to " +
                                                     dtype_name(like.dtype()) + " would result in overflow.");
    }
  }
  return to_array_like(v, like);
}

Array arg(Napi::Value v, const char* what) {
  if (is_array(v)) return ArrayWrap::Unwrap(v.As<Napi::Object>())->get(v.Env());
  if (v.IsNumber()) return Array::scalar(v.As<Napi::Number>().DoubleValue(), Dtype::float32);
  if (v.IsBoolean()) return Array::scalar(v.As<Napi::Boolean>().Value() ? 1.0 : 0.0, Dtype::bool_);
  throw_error(ErrorCode::invalid_argument, std::string("Error converting ") + what + " to mx.array.");
}

// Converts a pair of operands: a JS scalar takes its type from the array beside it.
std::pair<Array, Array> pair_args(Napi::Value a, Napi::Value b) {
  bool aa = is_array(a), ba = is_array(b);
  if (aa && !ba) {
    Array x = arg(a, "a");
    return {x, scalar_like(b, x)};
  }
  if (!aa && ba) {
    Array y = arg(b, "b");
    return {scalar_like(a, y), y};
  }
  return {arg(a, "a"), arg(b, "b")};
}

using BinFn = Array (*)(const Array&, const Array&, StreamOrDevice);

template <BinFn F>
Napi::Value bin_js(const Napi::CallbackInfo& i) {
  auto [a, b] = pair_args(i[0], i[1]);
  return wrap(i.Env(), F(a, b, to_stream(i, 2)));
}

Array equal2(const Array& a, const Array& b, StreamOrDevice s) { return equal(a, b, false, s); }

double opt_double(const Napi::CallbackInfo& i, size_t k, double def, const char* what) {
  if (is_nullish(i, k)) return def;
  check(i[k].IsNumber(), ErrorCode::invalid_argument, std::string("Expected a number for ") + what + ".");
  return i[k].As<Napi::Number>().DoubleValue();
}
bool opt_bool(const Napi::CallbackInfo& i, size_t k) { return !is_nullish(i, k) && i[k].ToBoolean().Value(); }

Napi::Value divmod_js(const Napi::CallbackInfo& i) {
  auto [a, b] = pair_args(i[0], i[1]);
  return wrap_vec(i.Env(), divmod(a, b, to_stream(i, 2)));
}

Napi::Value where_js(const Napi::CallbackInfo& i) {
  Array c = arg(i[0], "condition");
  auto [x, y] = pair_args(i[1], i[2]);
  return wrap(i.Env(), where(c, x, y, to_stream(i, 3)));
}

Napi::Value clip_js(const Napi::CallbackInfo& i) {
  Array a = arg(i[0], "a");
  std::optional<Array> lo, hi;
  if (!is_nullish(i, 1)) lo = is_array(i[1]) ? arg(i[1], "a_min") : scalar_like(i[1], a);
  if (!is_nullish(i, 2)) hi = is_array(i[2]) ? arg(i[2], "a_max") : scalar_like(i[2], a);
  return wrap(i.Env(), clip(a, lo, hi, to_stream(i, 3)));
}

Napi::Value isclose_js(const Napi::CallbackInfo& i) {
  auto [a, b] = pair_args(i[0], i[1]);
  return wrap(i.Env(), isclose(a, b, opt_double(i, 2, 1e-5, "rtol"), opt_double(i, 3, 1e-8, "atol"), opt_bool(i, 4),
                               to_stream(i, 5)));
}

Napi::Value allclose_js(const Napi::CallbackInfo& i) {
  auto [a, b] = pair_args(i[0], i[1]);
  return wrap(i.Env(), allclose(a, b, opt_double(i, 2, 1e-5, "rtol"), opt_double(i, 3, 1e-8, "atol"),
                                opt_bool(i, 4), to_stream(i, 5)));
}

Napi::Value array_equal_js(const Napi::CallbackInfo& i) {
  auto [a, b] = pair_args(i[0], i[1]);
  return wrap(i.Env(), array_equal(a, b, opt_bool(i, 2), to_stream(i, 3)));
}

}  // namespace

MLX_BIND("add", bin_js<add>);
MLX_BIND("subtract", bin_js<subtract>);
MLX_BIND("multiply", bin_js<multiply>);
MLX_BIND("divide", bin_js<divide>);
MLX_BIND("floorDivide", bin_js<floor_divide>);
MLX_BIND("remainder", bin_js<remainder>);
MLX_BIND("divmod", divmod_js);
MLX_BIND("power", bin_js<power>);
MLX_BIND("maximum", bin_js<maximum>);
MLX_BIND("minimum", bin_js<minimum>);
MLX_BIND("arctan2", bin_js<arctan2>);
MLX_BIND("logaddexp", bin_js<logaddexp>);
MLX_BIND("equal", bin_js<equal2>);
MLX_BIND("notEqual", bin_js<not_equal>);
MLX_BIND("less", bin_js<less>);
MLX_BIND("lessEqual", bin_js<less_equal>);
MLX_BIND("greater", bin_js<greater>);
MLX_BIND("greaterEqual", bin_js<greater_equal>);
MLX_BIND("logicalAnd", bin_js<logical_and>);
MLX_BIND("logicalOr", bin_js<logical_or>);
MLX_BIND("bitwiseAnd", bin_js<bitwise_and>);
MLX_BIND("bitwiseOr", bin_js<bitwise_or>);
MLX_BIND("bitwiseXor", bin_js<bitwise_xor>);
MLX_BIND("leftShift", bin_js<left_shift>);
MLX_BIND("rightShift", bin_js<right_shift>);
MLX_BIND("where", where_js);
MLX_BIND("clip", clip_js);
MLX_BIND("isclose", isclose_js);
MLX_BIND("allclose", allclose_js);
MLX_BIND("arrayEqual", array_equal_js);

}  // namespace mlx::js
