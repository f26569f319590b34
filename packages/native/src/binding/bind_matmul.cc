// Matrix products: matmul, addmm.
#include "../ops/matmul.h"
#include "convert.h"

namespace mlx::js {

namespace {

float opt_float(const Napi::CallbackInfo& i, size_t k, float dflt, const char* what) {
  if (is_nullish(i, k)) return dflt;
  if (!i[k].IsNumber()) throw_error(ErrorCode::invalid_argument, std::string("[addmm] ") + what + " must be a number.");
  return (float)i[k].As<Napi::Number>().DoubleValue();
}

Napi::Value matmul_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), matmul(to_array(i, 0), to_array(i, 1), to_stream(i, 2)));
}
Napi::Value addmm_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), addmm(to_array(i, 0), to_array(i, 1), to_array(i, 2), opt_float(i, 3, 1.0f, "alpha"),
                             opt_float(i, 4, 1.0f, "beta"), to_stream(i, 5)));
}

}  // namespace

MLX_BIND("matmul", matmul_js);
MLX_BIND("addmm", addmm_js);

}  // namespace mlx::js
