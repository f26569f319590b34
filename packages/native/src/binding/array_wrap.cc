#include <atomic>

#include "convert.h"

namespace mlx::js {

namespace {
Napi::FunctionReference* g_ctor = nullptr;
std::atomic<int64_t> g_live{0};
}  // namespace

Napi::Function ArrayWrap::Init(Napi::Env env) {
  Napi::Function f = DefineClass(env, "NativeArray",
                                 {
                                     InstanceAccessor<&ArrayWrap::shape>("shape"),
                                     InstanceAccessor<&ArrayWrap::dtype>("_dtype"),
                                     InstanceAccessor<&ArrayWrap::ndim>("ndim"),
                                     InstanceAccessor<&ArrayWrap::size>("size"),
                                     InstanceAccessor<&ArrayWrap::disposed>("disposed"),
                                     InstanceMethod<&ArrayWrap::dispose>("dispose"),
                                     InstanceMethod<&ArrayWrap::id>("_id"),
                                 });
  g_ctor = new Napi::FunctionReference(Napi::Persistent(f));
  return f;
}

// live_count counts wrappers that still hold an array: disposal ends the count, not the GC.
ArrayWrap::ArrayWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ArrayWrap>(info) {}
ArrayWrap::~ArrayWrap() {
  if (arr.valid()) g_live--;
}

int64_t ArrayWrap::live_count() { return g_live.load(); }

Napi::Object ArrayWrap::make(Napi::Env env, Array a) {
  Napi::Object o = g_ctor->New({});
  Unwrap(o)->arr = std::move(a);
  g_live++;
  return o;
}

bool ArrayWrap::is(Napi::Value v) { return v.As<Napi::Object>().InstanceOf(g_ctor->Value()); }

const Array& ArrayWrap::get(Napi::Env env) const {
  if (!arr.valid()) throw_js(env, ErrorCode::disposed, "Error converting \"this\" to mx.array. The array was disposed.");
  return arr;
}

Napi::Value ArrayWrap::shape(const Napi::CallbackInfo& info) { return shape_to_js(info.Env(), get(info.Env()).shape()); }
Napi::Value ArrayWrap::dtype(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (int)get(info.Env()).dtype()); }
Napi::Value ArrayWrap::ndim(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), get(info.Env()).ndim()); }
Napi::Value ArrayWrap::size(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (double)get(info.Env()).size()); }
Napi::Value ArrayWrap::disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !arr.valid()); }
Napi::Value ArrayWrap::id(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), (double)(uintptr_t)get(info.Env()).id());
}
Napi::Value ArrayWrap::dispose(const Napi::CallbackInfo& info) {
  if (arr.valid()) g_live--;
  arr = Array();
  return info.Env().Undefined();
}

}  // namespace mlx::js
