// Reductions: (a, axes|null, keepdims, stream); var/std add ddof; argmax/argmin take one axis.
#include "../ops/reduce.h"
#include "convert.h"

namespace mlx::js {

namespace {

Axes to_axes(const Napi::CallbackInfo& i, size_t k) {
  if (is_nullish(i, k)) return std::nullopt;
  return to_int_vec(i[k], "axis");
}
bool to_bool(const Napi::CallbackInfo& i, size_t k) { return !is_nullish(i, k) && i[k].ToBoolean().Value(); }

using ReduceFn = Array (*)(const Array&, const Axes&, bool, StreamOrDevice);
template <ReduceFn F> Napi::Value reduce_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), F(to_array(i, 0), to_axes(i, 1), to_bool(i, 2), to_stream(i, 3)));
}
template <Array (*F)(const Array&, const Axes&, bool, int, StreamOrDevice)>
Napi::Value var_js(const Napi::CallbackInfo& i) {
  int ddof = is_nullish(i, 3) ? 0 : to_int(i[3], "ddof");
  return wrap(i.Env(), F(to_array(i, 0), to_axes(i, 1), to_bool(i, 2), ddof, to_stream(i, 4)));
}
template <Array (*F)(const Array&, std::optional<int>, bool, StreamOrDevice)>
Napi::Value arg_js(const Napi::CallbackInfo& i) {
  std::optional<int> axis;
  if (!is_nullish(i, 1)) axis = to_int(i[1], "axis");
  return wrap(i.Env(), F(to_array(i, 0), axis, to_bool(i, 2), to_stream(i, 3)));
}
Napi::Value softmax_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), softmax(to_array(i, 0), to_axes(i, 1), to_bool(i, 2), to_stream(i, 3)));
}

}  // namespace

MLX_BIND("sum", reduce_js<sum>);
MLX_BIND("prod", reduce_js<prod>);
MLX_BIND("max", reduce_js<max>);
MLX_BIND("min", reduce_js<min>);
MLX_BIND("all", reduce_js<all>);
MLX_BIND("any", reduce_js<any>);
MLX_BIND("mean", reduce_js<mean>);
MLX_BIND("logsumexp", reduce_js<logsumexp>);
MLX_BIND("variance", var_js<var>);
MLX_BIND("std", var_js<std>);
MLX_BIND("argmax", arg_js<argmax>);
MLX_BIND("argmin", arg_js<argmin>);
MLX_BIND("softmax", softmax_js);

}  // namespace mlx::js
