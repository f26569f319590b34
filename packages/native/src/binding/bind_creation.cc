// Creation ops. The TS layer resolves overloads and defaults (dtype inference for arange).
#include "../ops/creation.h"
#include "convert.h"

namespace mlx::js {

namespace {

double num(const Napi::CallbackInfo& i, size_t k, const char* what) {
  check(k < i.Length() && i[k].IsNumber(), ErrorCode::invalid_argument, std::string("Expected a number for ") + what + ".");
  return i[k].As<Napi::Number>().DoubleValue();
}
Dtype dt_or(const Napi::CallbackInfo& i, size_t k, Dtype d) { auto o = opt_dtype(i, k); return o ? *o : d; }

// arange(start, stop, step, dtype, s)
Napi::Value arange_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), arange(num(i, 0, "start"), num(i, 1, "stop"), num(i, 2, "step"), to_dtype(i[3]), to_stream(i, 4)));
}
// linspace(start, stop, num, dtype, s)
Napi::Value linspace_js(const Napi::CallbackInfo& i) {
  int64_t n = is_nullish(i, 2) ? 50 : to_int64(i[2], "num");
  return wrap(i.Env(), linspace(num(i, 0, "start"), num(i, 1, "stop"), n, dt_or(i, 3, Dtype::float32), to_stream(i, 4)));
}
// eye(n, m, k, dtype, s) / tri(n, m, k, dtype, s)
template <bool Lower> Napi::Value eye_js(const Napi::CallbackInfo& i) {
  int64_t n = to_int64(i[0], "n");
  int64_t m = is_nullish(i, 1) ? n : to_int64(i[1], "m");
  int k = is_nullish(i, 2) ? 0 : to_int(i[2], "k");
  Dtype dt = dt_or(i, 3, Dtype::float32);
  return wrap(i.Env(), Lower ? tri(n, m, k, dt, to_stream(i, 4)) : eye(n, m, k, dt, to_stream(i, 4)));
}
Napi::Value identity_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), identity(to_int64(i[0], "n"), dt_or(i, 1, Dtype::float32), to_stream(i, 2)));
}
Napi::Value zeros_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), zeros(to_shape(i[0], "shape"), dt_or(i, 1, Dtype::float32), to_stream(i, 2)));
}
Napi::Value ones_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), ones(to_shape(i[0], "shape"), dt_or(i, 1, Dtype::float32), to_stream(i, 2)));
}
Napi::Value zeros_like_js(const Napi::CallbackInfo& i) { return wrap(i.Env(), zeros_like(to_array(i, 0), to_stream(i, 1))); }
Napi::Value ones_like_js(const Napi::CallbackInfo& i) { return wrap(i.Env(), ones_like(to_array(i, 0), to_stream(i, 1))); }

}  // namespace

MLX_BIND("arange", arange_js);
MLX_BIND("linspace", linspace_js);
MLX_BIND("eye", eye_js<false>);
MLX_BIND("tri", eye_js<true>);
MLX_BIND("identity", identity_js);
MLX_BIND("zeros", zeros_js);
MLX_BIND("ones", ones_js);
MLX_BIND("zerosLike", zeros_like_js);
MLX_BIND("onesLike", ones_like_js);

}  // namespace mlx::js
