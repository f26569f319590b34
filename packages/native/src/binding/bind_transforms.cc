// Transform entry points used by @mlx/core's transforms.ts. The JS side runs the user's
// function between beginTrace/endTrace on traced copies of its inputs.
#include "../engine/trace.h"
#include "../ops/shape.h"
#include "../transforms/autodiff.h"
#include "../transforms/compile.h"
#include "../transforms/vmap.h"
#include "convert.h"

namespace mlx::js {

namespace {

Napi::Value trace_inputs_js(const Napi::CallbackInfo& i) { return wrap_vec(i.Env(), trace_inputs(to_array_vec(i, 0))); }
Napi::Value begin_trace(const Napi::CallbackInfo& i) { begin_tracing(); return i.Env().Undefined(); }
Napi::Value end_trace(const Napi::CallbackInfo& i) { end_tracing(); return i.Env().Undefined(); }

// vjpBackward(tracedPrimals, outputs, cotangents) -> cotangents of the primals
Napi::Value vjp_backward_js(const Napi::CallbackInfo& i) {
  return wrap_vec(i.Env(), vjp_backward(to_array_vec(i, 0), to_array_vec(i, 1), to_array_vec(i, 2)));
}
// jvpForward(tracedPrimals, tangents, outputs) -> tangents of the outputs
Napi::Value jvp_forward_js(const Napi::CallbackInfo& i) {
  return wrap_vec(i.Env(), jvp_forward(to_array_vec(i, 0), to_array_vec(i, 1), to_array_vec(i, 2)));
}
Napi::Value slice_update_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), slice_update(to_array(i, 0), to_array_like(i[1], to_array(i, 0)), to_shape(i[2], "start"),
                                    to_shape(i[3], "stop"), to_shape(i[4], "strides"), to_stream(i, 5)));
}

// vmapPlaceholders(inputs, inAxes) / vmapReplace(inputs, placeholders, inAxes, outputs, outAxes)
Napi::Value vmap_placeholders_js(const Napi::CallbackInfo& i) {
  return wrap_vec(i.Env(), vmap_placeholders(to_array_vec(i, 0), to_int_vec(i[1], "in_axes")));
}
Napi::Value vmap_replace_js(const Napi::CallbackInfo& i) {
  return wrap_vec(i.Env(), vmap_replace(to_array_vec(i, 0), to_array_vec(i, 1), to_int_vec(i[2], "in_axes"),
                                        to_array_vec(i, 3), to_int_vec(i[4], "out_axes")));
}

using GraphRef = std::shared_ptr<CompiledGraph>;

Napi::Value compile_placeholders_js(const Napi::CallbackInfo& i) {
  return wrap_vec(i.Env(), compile_placeholders(to_array_vec(i, 0)));
}
// compileBuild(placeholders, outputs, shapeless) -> opaque program handle
Napi::Value compile_build_js(const Napi::CallbackInfo& i) {
  auto g = compile_build(to_array_vec(i, 0), to_array_vec(i, 1), !is_nullish(i, 2) && i[2].ToBoolean().Value());
  return Napi::External<GraphRef>::New(i.Env(), new GraphRef(g), [](Napi::Env, GraphRef* r) { delete r; });
}
// compileReplay(handle, inputs) -> outputs
Napi::Value compile_replay_js(const Napi::CallbackInfo& i) {
  check(i[0].IsExternal(), ErrorCode::invalid_argument, "[compile] Expected a compiled program.");
  return wrap_vec(i.Env(), compile_replay(**i[0].As<Napi::External<GraphRef>>().Data(), to_array_vec(i, 1)));
}
Napi::Value compile_is_shapeless_js(const Napi::CallbackInfo& i) {
  check(i[0].IsExternal(), ErrorCode::invalid_argument, "[compile] Expected a compiled program.");
  return Napi::Boolean::New(i.Env(), compile_shapeless(**i[0].As<Napi::External<GraphRef>>().Data()));
}
Napi::Value set_compile_enabled_js(const Napi::CallbackInfo& i) {
  set_compile_enabled(i[0].ToBoolean().Value());
  return i.Env().Undefined();
}
Napi::Value compile_enabled_js(const Napi::CallbackInfo& i) { return Napi::Boolean::New(i.Env(), compile_enabled()); }

}  // namespace

MLX_BIND("compilePlaceholders", compile_placeholders_js);
MLX_BIND("compileBuild", compile_build_js);
MLX_BIND("compileReplay", compile_replay_js);
MLX_BIND("compileIsShapeless", compile_is_shapeless_js);
MLX_BIND("setCompileEnabled", set_compile_enabled_js);
MLX_BIND("compileEnabled", compile_enabled_js);
MLX_BIND("vmapPlaceholders", vmap_placeholders_js);
MLX_BIND("vmapReplace", vmap_replace_js);
MLX_BIND("traceInputs", trace_inputs_js);
MLX_BIND("beginTrace", begin_trace);
MLX_BIND("endTrace", end_trace);
MLX_BIND("vjpBackward", vjp_backward_js);
MLX_BIND("jvpForward", jvp_forward_js);
MLX_BIND("sliceUpdateRaw", slice_update_js);

}  // namespace mlx::js
