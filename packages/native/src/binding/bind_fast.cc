// mx.fast: rmsNorm(x, weight|null, eps), layerNorm(x, weight|null, bias|null, eps),
// rope(x, dims, traditional, base|null, scale, offset (number|array), freqs?),
// scaledDotProductAttention(q, k, v, scale, mask? ('causal' | array), sinks?). Each takes a last stream.
#include "../ops/fast.h"
#include "convert.h"

namespace mlx::js {

namespace {

float to_float(const Napi::CallbackInfo& i, size_t k, const char* op, const char* what) {
  check(k < i.Length() && i[k].IsNumber(), ErrorCode::invalid_argument,
        std::string("[") + op + "] " + what + " must be a number.");
  return i[k].As<Napi::Number>().FloatValue();
}

std::optional<Array> opt_array(const Napi::CallbackInfo& i, size_t k) {
  if (is_nullish(i, k)) return std::nullopt;
  return to_array(i, k);
}

Napi::Value rms_norm_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), fast::rms_norm(to_array(i, 0), opt_array(i, 1), to_float(i, 2, "rms_norm", "eps"),
                                      to_stream(i, 3)));
}

Napi::Value layer_norm_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), fast::layer_norm(to_array(i, 0), opt_array(i, 1), opt_array(i, 2),
                                        to_float(i, 3, "layer_norm", "eps"), to_stream(i, 4)));
}

Napi::Value rope_js(const Napi::CallbackInfo& i) {
  Array x = to_array(i, 0);
  int dims = to_int(i[1], "dims");
  check(i.Length() > 2 && i[2].IsBoolean(), ErrorCode::invalid_argument, "[rope] traditional must be a boolean.");
  bool trad = i[2].As<Napi::Boolean>().Value();
  std::optional<float> base;
  if (!is_nullish(i, 3)) base = to_float(i, 3, "rope", "base");
  float scale = to_float(i, 4, "rope", "scale");
  auto freqs = opt_array(i, 6);
  StreamOrDevice s = to_stream(i, 7);
  if (i.Length() > 5 && i[5].IsNumber())
    return wrap(i.Env(), fast::rope(x, dims, trad, base, scale, to_int(i[5], "offset"), freqs, s));
  check(!is_nullish(i, 5), ErrorCode::invalid_argument, "[rope] offset must be an integer or an array.");
  return wrap(i.Env(), fast::rope(x, dims, trad, base, scale, to_array(i, 5), freqs, s));
}

Napi::Value sdpa_js(const Napi::CallbackInfo& i) {
  const char* op = "scaled_dot_product_attention";
  float scale = to_float(i, 3, op, "scale");
  std::string mode;
  std::optional<Array> mask;
  if (i.Length() > 4 && i[4].IsString()) {
    mode = i[4].As<Napi::String>().Utf8Value();
    if (mode != "causal")
      throw_error(ErrorCode::invalid_argument,
                  "[scaled_dot_product_attention] invalid mask option '" + mode + "'. Must be 'causal', or an array.");
  } else {
    mask = opt_array(i, 4);
  }
  return wrap(i.Env(), fast::scaled_dot_product_attention(to_array(i, 0), to_array(i, 1), to_array(i, 2), scale, mode,
                                                          mask, opt_array(i, 5), to_stream(i, 6)));
}

}  // namespace

MLX_BIND("fastRmsNorm", rms_norm_js);
MLX_BIND("fastLayerNorm", layer_norm_js);
MLX_BIND("fastRope", rope_js);
MLX_BIND("fastScaledDotProductAttention", sdpa_js);

}  // namespace mlx::js
