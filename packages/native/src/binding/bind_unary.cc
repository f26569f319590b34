// Elementwise unary ops: mx.abs, mx.exp, ..., mx.round, mx.nanToNum.
#include "../ops/unary.h"
#include "convert.h"

namespace mlx::js {

namespace {

#define MLX_UNARY_JS(N) \
  Napi::Value N##_js(const Napi::CallbackInfo& i) { return wrap(i.Env(), N(to_array(i, 0), to_stream(i, 1))); }
MLX_UNARY_FNS(MLX_UNARY_JS)
#undef MLX_UNARY_JS

Napi::Value round_js(const Napi::CallbackInfo& i) {
  int decimals = is_nullish(i, 1) ? 0 : to_int(i[1], "decimals");
  return wrap(i.Env(), round(to_array(i, 0), decimals, to_stream(i, 2)));
}

std::optional<float> opt_float(const Napi::CallbackInfo& i, size_t k, const char* what) {
  if (is_nullish(i, k)) return std::nullopt;
  if (!i[k].IsNumber()) throw_error(ErrorCode::invalid_argument, std::string("[nan_to_num] ") + what + " must be a number.");
  return (float)i[k].As<Napi::Number>().DoubleValue();
}

Napi::Value nan_to_num_js(const Napi::CallbackInfo& i) {
  float nan = opt_float(i, 1, "nan").value_or(0.0f);
  return wrap(i.Env(), nan_to_num(to_array(i, 0), nan, opt_float(i, 2, "posinf"), opt_float(i, 3, "neginf"),
                                  to_stream(i, 4)));
}

}  // namespace

MLX_BIND("abs", abs_js);
MLX_BIND("negative", negative_js);
MLX_BIND("sign", sign_js);
MLX_BIND("sqrt", sqrt_js);
MLX_BIND("rsqrt", rsqrt_js);
MLX_BIND("square", square_js);
MLX_BIND("reciprocal", reciprocal_js);
MLX_BIND("exp", exp_js);
MLX_BIND("expm1", expm1_js);
MLX_BIND("log", log_js);
MLX_BIND("log2", log2_js);
MLX_BIND("log10", log10_js);
MLX_BIND("log1p", log1p_js);
MLX_BIND("sin", sin_js);
MLX_BIND("cos", cos_js);
MLX_BIND("tan", tan_js);
MLX_BIND("arcsin", arcsin_js);
MLX_BIND("arccos", arccos_js);
MLX_BIND("arctan", arctan_js);
MLX_BIND("sinh", sinh_js);
MLX_BIND("cosh", cosh_js);
MLX_BIND("tanh", tanh_js);
MLX_BIND("arcsinh", arcsinh_js);
MLX_BIND("arccosh", arccosh_js);
MLX_BIND("arctanh", arctanh_js);
MLX_BIND("sigmoid", sigmoid_js);
MLX_BIND("erf", erf_js);
MLX_BIND("erfinv", erfinv_js);
MLX_BIND("floor", floor_js);
MLX_BIND("ceil", ceil_js);
MLX_BIND("round", round_js);
MLX_BIND("isnan", isnan_js);
MLX_BIND("isinf", isinf_js);
MLX_BIND("isfinite", isfinite_js);
MLX_BIND("isposinf", isposinf_js);
MLX_BIND("isneginf", isneginf_js);
MLX_BIND("logicalNot", logical_not_js);
MLX_BIND("bitwiseInvert", bitwise_invert_js);
MLX_BIND("degrees", degrees_js);
MLX_BIND("radians", radians_js);
MLX_BIND("conjugate", conjugate_js);
MLX_BIND("real", real_js);
MLX_BIND("imag", imag_js);
MLX_BIND("nanToNum", nan_to_num_js);
MLX_BIND("stopGradient", stop_gradient_js);

}  // namespace mlx::js
