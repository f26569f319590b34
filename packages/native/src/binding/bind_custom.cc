// customFunction / checkpoint: the JS side registers one dispatcher; custom nodes carry an id
// the dispatcher maps to the user's rules. Rules only run inside transforms (JS thread).
#include "../primitives/custom.h"
#include "convert.h"

namespace mlx::js {

namespace {

Napi::FunctionReference& dispatcher() {
  static Napi::FunctionReference ref;  // lives as long as the process; never released off-thread
  return ref;
}

std::vector<Array> arrays_of(Napi::Env env, Napi::Value v, const char* what) {
  check(v.IsArray(), ErrorCode::invalid_argument, std::string("[custom_function] The ") + what + " rule must return a list of arrays.");
  auto list = v.As<Napi::Array>();
  std::vector<Array> out;
  for (uint32_t k = 0; k < list.Length(); k++) {
    Napi::Value x = list[k];
    check(x.IsObject() && ArrayWrap::is(x), ErrorCode::invalid_argument,
          std::string("[custom_function] The ") + what + " rule must return arrays.");
    out.push_back(ArrayWrap::Unwrap(x.As<Napi::Object>())->get(env));
  }
  return out;
}

CustomRuleResult call_dispatcher(int64_t id, const char* kind, const std::vector<Array>& a,
                                 const std::vector<Array>& b, const std::vector<Array>& c,
                                 const std::vector<int>& axes) {
  auto& fn = dispatcher();
  check(!fn.IsEmpty(), ErrorCode::internal, "[custom_function] No dispatcher registered.");
  Napi::Env env = fn.Env();
  Napi::HandleScope scope(env);
  Napi::Array ax = Napi::Array::New(env, axes.size());
  for (size_t i = 0; i < axes.size(); i++) ax.Set((uint32_t)i, Napi::Number::New(env, axes[i]));
  // A JS exception thrown by the rule propagates as Napi::Error through the transform.
  Napi::Value r = fn.Call({Napi::Number::New(env, (double)id), Napi::String::New(env, kind), wrap_vec(env, a),
                           wrap_vec(env, b), wrap_vec(env, c), ax});
  CustomRuleResult res;
  if (std::string(kind) == "vmap") {
    check(r.IsArray() && r.As<Napi::Array>().Length() == 2, ErrorCode::invalid_argument,
          "[custom_function] The vmap rule must return [outputs, outAxes].");
    auto pair = r.As<Napi::Array>();
    res.arrays = arrays_of(env, pair.Get((uint32_t)0), kind);
    res.axes = to_int_vec(pair.Get((uint32_t)1), "out_axes");
  } else {
    res.arrays = arrays_of(env, r, kind);
  }
  return res;
}

Napi::Value set_dispatcher_js(const Napi::CallbackInfo& i) {
  check(i[0].IsFunction(), ErrorCode::invalid_argument, "[custom_function] Expected a function.");
  dispatcher() = Napi::Persistent(i[0].As<Napi::Function>());
  set_custom_rule_hook(call_dispatcher);
  return i.Env().Undefined();
}

// customApply(id, args, outputs) -> outputs of the custom node
Napi::Value custom_apply_js(const Napi::CallbackInfo& i) {
  return wrap_vec(i.Env(), custom_transforms_apply(to_int64(i[0], "id"), to_array_vec(i, 1), to_array_vec(i, 2)));
}

// customReleased() -> ids whose nodes are gone
Napi::Value custom_released_js(const Napi::CallbackInfo& i) {
  auto ids = take_released_custom_ids();
  Napi::Array out = Napi::Array::New(i.Env(), ids.size());
  for (size_t k = 0; k < ids.size(); k++) out.Set((uint32_t)k, Napi::Number::New(i.Env(), (double)ids[k]));
  return out;
}

}  // namespace

MLX_BIND("setCustomDispatcher", set_dispatcher_js);
MLX_BIND("customApply", custom_apply_js);
MLX_BIND("customReleased", custom_released_js);

}  // namespace mlx::js
