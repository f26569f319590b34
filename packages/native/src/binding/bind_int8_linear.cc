// int8Linear(x, w, scales, bias?, stream?)
#include "../ops/int8_linear.h"
#include "convert.h"

namespace mlx::js {

namespace {
Napi::Value int8_linear_js(const Napi::CallbackInfo& i) {
  std::optional<Array> bias;
  if (!is_nullish(i, 3)) bias = to_array(i, 3);
  return wrap(i.Env(), int8_linear(to_array(i, 0), to_array(i, 1), to_array(i, 2), bias, to_stream(i, 4)));
}
}  // namespace

MLX_BIND("int8Linear", int8_linear_js);

}  // namespace mlx::js
