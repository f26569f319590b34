// Quantization: quantize, dequantize, quantizedMatmul, gatherMM, gatherQMM.
#include "../ops/quantized.h"
#include "convert.h"

namespace mlx::js {

namespace {

int opt_int(const Napi::CallbackInfo& i, size_t k, const char* what) {
  return is_nullish(i, k) ? -1 : to_int(i[k], what);
}
bool opt_bool(const Napi::CallbackInfo& i, size_t k, bool dflt, const char* what) {
  if (is_nullish(i, k)) return dflt;
  if (!i[k].IsBoolean())
    throw_error(ErrorCode::invalid_argument, std::string("[quantized] ") + what + " must be a boolean.");
  return i[k].As<Napi::Boolean>().Value();
}
std::string opt_mode(const Napi::CallbackInfo& i, size_t k) {
  if (is_nullish(i, k)) return "affine";
  if (!i[k].IsString()) throw_error(ErrorCode::invalid_argument, "[quantized] mode must be a string.");
  return i[k].As<Napi::String>().Utf8Value();
}
std::optional<Array> opt_array(const Napi::CallbackInfo& i, size_t k) {
  if (is_nullish(i, k)) return std::nullopt;
  return to_array(i, k);
}

Napi::Value quantize_js(const Napi::CallbackInfo& i) {
  return wrap_vec(i.Env(), quantize(to_array(i, 0), opt_int(i, 1, "groupSize"), opt_int(i, 2, "bits"),
                                    opt_mode(i, 3), to_stream(i, 4)));
}
Napi::Value dequantize_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), dequantize(to_array(i, 0), to_array(i, 1), opt_array(i, 2), opt_int(i, 3, "groupSize"),
                                  opt_int(i, 4, "bits"), opt_mode(i, 5), opt_dtype(i, 6), to_stream(i, 7)));
}
Napi::Value quantized_matmul_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), quantized_matmul(to_array(i, 0), to_array(i, 1), to_array(i, 2), opt_array(i, 3),
                                        opt_bool(i, 4, true, "transpose"), opt_int(i, 5, "groupSize"),
                                        opt_int(i, 6, "bits"), opt_mode(i, 7), to_stream(i, 8)));
}
Napi::Value gather_mm_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), gather_mm(to_array(i, 0), to_array(i, 1), opt_array(i, 2), opt_array(i, 3),
                                 opt_bool(i, 4, false, "sortedIndices"), to_stream(i, 5)));
}
Napi::Value gather_qmm_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), gather_qmm(to_array(i, 0), to_array(i, 1), to_array(i, 2), opt_array(i, 3), opt_array(i, 4),
                                  opt_array(i, 5), opt_bool(i, 6, true, "transpose"), opt_int(i, 7, "groupSize"),
                                  opt_int(i, 8, "bits"), opt_mode(i, 9), opt_bool(i, 10, false, "sortedIndices"),
                                  to_stream(i, 11)));
}

}  // namespace

MLX_BIND("quantize", quantize_js);
MLX_BIND("dequantize", dequantize_js);
MLX_BIND("quantizedMatmul", quantized_matmul_js);
MLX_BIND("gatherMM", gather_mm_js);
MLX_BIND("gatherQMM", gather_qmm_js);

}  // namespace mlx::js
