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
// compileBuild(placeholders, outputs, shapeless, graphState?) -> opaque program handle.
// graphState (CUDA graph replay requested): a flat [output, input, output, input, ...] list.
Napi::Value compile_build_js(const Napi::CallbackInfo& i) {
  auto ph = to_array_vec(i, 0), outs = to_array_vec(i, 1);
  std::vector<std::pair<int, int>> state;
  bool graph = !is_nullish(i, 3);
  if (graph) {
    auto flat = to_int_vec(i[3], "state");
    check(flat.size() % 2 == 0, ErrorCode::invalid_argument, "[compile] state must be a list of [output, input] pairs.");
    std::vector<bool> out_used(outs.size()), in_used(ph.size());
    for (size_t k = 0; k < flat.size(); k += 2) {
      int o = flat[k], n = flat[k + 1];
      check(o >= 0 && o < (int)outs.size() && n >= 0 && n < (int)ph.size(), ErrorCode::invalid_argument,
            "[compile] state pair [" + std::to_string(o) + ", " + std::to_string(n) + "] is out of range (" +
                std::to_string(outs.size()) + " outputs, " + std::to_string(ph.size()) + " array inputs).");
      check(!out_used[o] && !in_used[n], ErrorCode::invalid_argument, "[compile] state pairs must not repeat an output or an input.");
      check(outs[o].shape() == ph[n].shape() && outs[o].dtype() == ph[n].dtype(), ErrorCode::invalid_argument,
            "[compile] state output " + std::to_string(o) + " and input " + std::to_string(n) + " differ in shape or dtype.");
      out_used[o] = in_used[n] = true;
      state.emplace_back(o, n);
    }
  }
  auto g = compile_build(ph, outs, !is_nullish(i, 2) && i[2].ToBoolean().Value());
  g->graph_requested = graph;
  g->graph_state = std::move(state);
  return Napi::External<GraphRef>::New(i.Env(), new GraphRef(g), [](Napi::Env, GraphRef* r) { delete r; });
}
// compileReplay(handle, inputs) -> outputs
Napi::Value compile_replay_js(const Napi::CallbackInfo& i) {
  check(i[0].IsExternal(), ErrorCode::invalid_argument, "[compile] Expected a compiled program.");
  return wrap_vec(i.Env(), compile_replay(**i[0].As<Napi::External<GraphRef>>().Data(), to_array_vec(i, 1)));
}
// compileRelease(handle): frees the program's CUDA graph resources now.
Napi::Value compile_release_js(const Napi::CallbackInfo& i) {
  check(i[0].IsExternal(), ErrorCode::invalid_argument, "[compile] Expected a compiled program.");
  compile_release_static(**i[0].As<Napi::External<GraphRef>>().Data());
  return i.Env().Undefined();
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
MLX_BIND("compileRelease", compile_release_js);
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
