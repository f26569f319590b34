// Profiling hooks for benchmarks (bench/lm/profile.mjs): the eval trace of MLX_EVAL_TRACE=1.
#include "../engine/eval_trace.h"
#include "convert.h"

namespace mlx::js {
namespace {

// evalTraceReport(reset?: boolean): string ('' when MLX_EVAL_TRACE is off)
Napi::Value eval_trace_report_js(const Napi::CallbackInfo& info) {
  bool reset = info.Length() > 0 && info[0].IsBoolean() && info[0].As<Napi::Boolean>().Value();
  return Napi::String::New(info.Env(), eval_trace_report(reset));
}

}  // namespace

MLX_BIND("evalTraceReport", eval_trace_report_js);

}  // namespace mlx::js
