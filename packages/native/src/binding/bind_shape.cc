// Layout ops: astype, reshape and friends, broadcasting, slicing, joining and splitting.
#include "../ops/shape.h"
#include "convert.h"

namespace mlx::js {

namespace {

Napi::Value astype_js(const Napi::CallbackInfo& i) { return wrap(i.Env(), astype(to_array(i, 0), to_dtype(i[1]), to_stream(i, 2))); }
Napi::Value copy_js(const Napi::CallbackInfo& i) { return wrap(i.Env(), copy(to_array(i, 0), to_stream(i, 1))); }
Napi::Value reshape_js(const Napi::CallbackInfo& i) { return wrap(i.Env(), reshape(to_array(i, 0), to_shape(i[1], "shape"), to_stream(i, 2))); }
Napi::Value broadcast_to_js(const Napi::CallbackInfo& i) { return wrap(i.Env(), broadcast_to(to_array(i, 0), to_shape(i[1], "shape"), to_stream(i, 2))); }
Napi::Value broadcast_arrays_js(const Napi::CallbackInfo& i) { return wrap_vec(i.Env(), broadcast_arrays(to_array_vec(i, 0), to_stream(i, 1))); }

Napi::Value flatten_js(const Napi::CallbackInfo& i) {
  int s = is_nullish(i, 1) ? 0 : to_int(i[1], "start_axis");
  int e = is_nullish(i, 2) ? -1 : to_int(i[2], "end_axis");
  return wrap(i.Env(), flatten(to_array(i, 0), s, e, to_stream(i, 3)));
}
Napi::Value unflatten_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), unflatten(to_array(i, 0), to_int(i[1], "axis"), to_shape(i[2], "shape"), to_stream(i, 3)));
}
Napi::Value squeeze_js(const Napi::CallbackInfo& i) {
  if (is_nullish(i, 1)) return wrap(i.Env(), squeeze(to_array(i, 0), to_stream(i, 2)));
  return wrap(i.Env(), squeeze(to_array(i, 0), to_int_vec(i[1], "axis"), to_stream(i, 2)));
}
Napi::Value expand_dims_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), expand_dims(to_array(i, 0), to_int_vec(i[1], "axis"), to_stream(i, 2)));
}
Napi::Value transpose_js(const Napi::CallbackInfo& i) {
  if (is_nullish(i, 1)) return wrap(i.Env(), transpose(to_array(i, 0), to_stream(i, 2)));
  return wrap(i.Env(), transpose(to_array(i, 0), to_int_vec(i[1], "axes"), to_stream(i, 2)));
}
Napi::Value swapaxes_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), swapaxes(to_array(i, 0), to_int(i[1], "axis1"), to_int(i[2], "axis2"), to_stream(i, 3)));
}
Napi::Value moveaxis_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), moveaxis(to_array(i, 0), to_int(i[1], "source"), to_int(i[2], "destination"), to_stream(i, 3)));
}
Napi::Value slice_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), slice(to_array(i, 0), to_shape(i[1], "start"), to_shape(i[2], "stop"),
                             to_shape(i[3], "strides"), to_stream(i, 4)));
}
Napi::Value concatenate_js(const Napi::CallbackInfo& i) {
  auto arrays = to_array_vec(i, 0);
  if (is_nullish(i, 1)) {  // axis=None flattens first, as in MLX
    for (auto& a : arrays) a = flatten(a, 0, -1, to_stream(i, 2));
    return wrap(i.Env(), concatenate(arrays, 0, to_stream(i, 2)));
  }
  return wrap(i.Env(), concatenate(arrays, to_int(i[1], "axis"), to_stream(i, 2)));
}
Napi::Value stack_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), stack(to_array_vec(i, 0), is_nullish(i, 1) ? 0 : to_int(i[1], "axis"), to_stream(i, 2)));
}
Napi::Value split_js(const Napi::CallbackInfo& i) {
  Array a = to_array(i, 0);
  int axis = is_nullish(i, 2) ? 0 : to_int(i[2], "axis");
  if (i[1].IsNumber()) return wrap_vec(i.Env(), split(a, to_int(i[1], "indices_or_sections"), axis, to_stream(i, 3)));
  return wrap_vec(i.Env(), split(a, to_shape(i[1], "indices"), axis, to_stream(i, 3)));
}
Napi::Value full_js(const Napi::CallbackInfo& i) {
  Shape shape = to_shape(i[0], "shape");
  auto dt = opt_dtype(i, 2);
  Array v = dt ? to_array_like(i[1], Array::scalar(0.0, *dt)) : to_array(i, 1);
  return wrap(i.Env(), full(shape, v, dt ? *dt : v.dtype(), to_stream(i, 3)));
}

}  // namespace

MLX_BIND("astype", astype_js);
MLX_BIND("copy", copy_js);
MLX_BIND("reshape", reshape_js);
MLX_BIND("broadcastTo", broadcast_to_js);
MLX_BIND("broadcastArrays", broadcast_arrays_js);
MLX_BIND("flatten", flatten_js);
MLX_BIND("unflatten", unflatten_js);
MLX_BIND("squeeze", squeeze_js);
MLX_BIND("expandDims", expand_dims_js);
MLX_BIND("transpose", transpose_js);
MLX_BIND("swapaxes", swapaxes_js);
MLX_BIND("moveaxis", moveaxis_js);
MLX_BIND("slice", slice_js);
MLX_BIND("concatenate", concatenate_js);
MLX_BIND("stack", stack_js);
MLX_BIND("split", split_js);
MLX_BIND("full", full_js);

}  // namespace mlx::js
