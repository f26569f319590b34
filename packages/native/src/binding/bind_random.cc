// mx.random bindings. Arguments arrive positionally in MLX's order; the TS layer resolves the
// overloads (skipped arguments arrive as undefined).
#include <cmath>

#include "../ops/random.h"
#include "convert.h"

namespace mlx::js {

namespace {

// A Python int becomes an int32 array in MLX's binding; a JS integer-valued number does the same
// here (when it fits), any other number becomes float32.
Array scalar_arg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = i < info.Length() ? info[i] : info.Env().Undefined();
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (std::isfinite(d) && std::floor(d) == d && d >= -2147483648.0 && d <= 2147483647.0)
      return Array::scalar(d, Dtype::int32);
  }
  return to_array(info, i);
}

std::optional<Array> opt_array(const Napi::CallbackInfo& info, size_t i) {
  if (is_nullish(info, i)) return std::nullopt;
  return to_array(info, i);
}
std::optional<Array> opt_scalar(const Napi::CallbackInfo& info, size_t i) {
  if (is_nullish(info, i)) return std::nullopt;
  return scalar_arg(info, i);
}
Shape shape_or_empty(const Napi::CallbackInfo& info, size_t i) {
  return is_nullish(info, i) ? Shape{} : to_shape(info[i], "shape");
}
std::optional<Shape> opt_shape(const Napi::CallbackInfo& info, size_t i) {
  if (is_nullish(info, i)) return std::nullopt;
  return to_shape(info[i], "shape");
}
Dtype dtype_or(const Napi::CallbackInfo& info, size_t i, Dtype d) {
  auto dt = opt_dtype(info, i);
  return dt ? *dt : d;
}
float float_or(const Napi::CallbackInfo& info, size_t i, float d) {
  if (is_nullish(info, i)) return d;
  if (!info[i].IsNumber()) throw_error(ErrorCode::invalid_argument, "Expected a number.");
  return (float)info[i].As<Napi::Number>().DoubleValue();
}

uint64_t to_seed(Napi::Value v) {
  if (v.IsBigInt()) {
    bool lossless;
    return v.As<Napi::BigInt>().Uint64Value(&lossless);
  }
  int64_t s = to_int64(v, "seed");
  if (s < 0) throw_error(ErrorCode::invalid_argument, "[seed] The seed must be a non-negative integer.");
  return (uint64_t)s;
}

Napi::Value key_js(const Napi::CallbackInfo& i) { return wrap(i.Env(), random::key(to_seed(i[0]))); }
Napi::Value seed_js(const Napi::CallbackInfo& i) {
  random::seed(to_seed(i[0]));
  return i.Env().Undefined();
}
Napi::Value split_js(const Napi::CallbackInfo& i) {
  int num = is_nullish(i, 1) ? 2 : to_int(i[1], "num");
  return wrap(i.Env(), random::split(to_array(i, 0), num, to_stream(i, 2)));
}
// bits(shape, width, key, stream)
Napi::Value bits_js(const Napi::CallbackInfo& i) {
  int width = is_nullish(i, 1) ? 4 : to_int(i[1], "width");
  return wrap(i.Env(), random::bits(shape_or_empty(i, 0), width, opt_array(i, 2), to_stream(i, 3)));
}
// uniform(low, high, shape, dtype, key, stream)
Napi::Value uniform_js(const Napi::CallbackInfo& i) {
  Array lo = is_nullish(i, 0) ? Array::scalar(0, Dtype::int32) : scalar_arg(i, 0);
  Array hi = is_nullish(i, 1) ? Array::scalar(1, Dtype::int32) : scalar_arg(i, 1);
  return wrap(i.Env(), random::uniform(lo, hi, shape_or_empty(i, 2), dtype_or(i, 3, Dtype::float32), opt_array(i, 4),
                                       to_stream(i, 5)));
}
// normal(shape, dtype, loc, scale, key, stream)
Napi::Value normal_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), random::normal(shape_or_empty(i, 0), dtype_or(i, 1, Dtype::float32), opt_array(i, 2),
                                      opt_array(i, 3), opt_array(i, 4), to_stream(i, 5)));
}
// randint(low, high, shape, dtype, key, stream)
Napi::Value randint_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), random::randint(scalar_arg(i, 0), scalar_arg(i, 1), shape_or_empty(i, 2),
                                       dtype_or(i, 3, Dtype::int32), opt_array(i, 4), to_stream(i, 5)));
}
// bernoulli(p, shape, key, stream)
Napi::Value bernoulli_js(const Napi::CallbackInfo& i) {
  Array p = is_nullish(i, 0) ? Array::scalar(0.5, Dtype::float32) : to_array(i, 0);
  return wrap(i.Env(), random::bernoulli(p, opt_shape(i, 1), opt_array(i, 2), to_stream(i, 3)));
}
// truncatedNormal(lower, upper, shape, dtype, key, stream)
Napi::Value truncated_normal_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), random::truncated_normal(scalar_arg(i, 0), scalar_arg(i, 1), opt_shape(i, 2),
                                                dtype_or(i, 3, Dtype::float32), opt_array(i, 4), to_stream(i, 5)));
}
// gumbel(shape, dtype, key, stream)
Napi::Value gumbel_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), random::gumbel(shape_or_empty(i, 0), dtype_or(i, 1, Dtype::float32), opt_array(i, 2),
                                      to_stream(i, 3)));
}
// categorical(logits, axis, shape, numSamples, key, stream)
Napi::Value categorical_js(const Napi::CallbackInfo& i) {
  int axis = is_nullish(i, 1) ? -1 : to_int(i[1], "axis");
  std::optional<int64_t> ns;
  if (!is_nullish(i, 3)) ns = to_int64(i[3], "num_samples");
  return wrap(i.Env(), random::categorical(to_array(i, 0), axis, opt_shape(i, 2), ns, opt_array(i, 4), to_stream(i, 5)));
}
// laplace(shape, dtype, loc, scale, key, stream)
Napi::Value laplace_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), random::laplace(shape_or_empty(i, 0), dtype_or(i, 1, Dtype::float32), float_or(i, 2, 0.0f),
                                       float_or(i, 3, 1.0f), opt_array(i, 4), to_stream(i, 5)));
}
// permutation(x | n, axis, key, stream)
Napi::Value permutation_js(const Napi::CallbackInfo& i) {
  if (i[0].IsNumber()) return wrap(i.Env(), random::permutation(to_int64(i[0], "x"), opt_array(i, 2), to_stream(i, 3)));
  int axis = is_nullish(i, 1) ? 0 : to_int(i[1], "axis");
  return wrap(i.Env(), random::permutation(to_array(i, 0), axis, opt_array(i, 2), to_stream(i, 3)));
}
// multivariateNormal(mean, cov, shape, dtype, key, stream)
Napi::Value multivariate_normal_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), random::multivariate_normal(to_array(i, 0), to_array(i, 1), shape_or_empty(i, 2),
                                                   dtype_or(i, 3, Dtype::float32), opt_array(i, 4), to_stream(i, 5)));
}

}  // namespace

MLX_BIND("randomKey", key_js);
MLX_BIND("randomSeed", seed_js);
MLX_BIND("randomSplit", split_js);
MLX_BIND("randomBits", bits_js);
MLX_BIND("randomUniform", uniform_js);
MLX_BIND("randomNormal", normal_js);
MLX_BIND("randomRandint", randint_js);
MLX_BIND("randomBernoulli", bernoulli_js);
MLX_BIND("randomTruncatedNormal", truncated_normal_js);
MLX_BIND("randomGumbel", gumbel_js);
MLX_BIND("randomCategorical", categorical_js);
MLX_BIND("randomLaplace", laplace_js);
MLX_BIND("randomPermutation", permutation_js);
MLX_BIND("randomMultivariateNormal", multivariate_normal_js);

}  // namespace mlx::js
