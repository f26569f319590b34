// Module entry: the array class, the error factory, and every MLX_BIND'd function.
#include "convert.h"

namespace mlx::js {

void set_error_factory(Napi::Function f);

static Napi::Value set_error_factory_js(const Napi::CallbackInfo& info) {
  set_error_factory(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

template <NativeFn F> Napi::Value trampoline(const Napi::CallbackInfo& info) { return call_guarded(F, info); }

static Napi::Value dispatch_binding(const Napi::CallbackInfo& info) {
  auto fn = reinterpret_cast<NativeFn>(info.Data());
  return call_guarded(fn, info);
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeArray", ArrayWrap::Init(env));
  exports.Set("setErrorFactory", Napi::Function::New(env, set_error_factory_js));
  for (auto& b : bindings())
    exports.Set(b.name, Napi::Function::New(env, dispatch_binding, b.name, reinterpret_cast<void*>(b.fn)));
  return exports;
}

}  // namespace mlx::js

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return mlx::js::init(env, exports); }
NODE_API_MODULE(mlx_native, InitAddon)
