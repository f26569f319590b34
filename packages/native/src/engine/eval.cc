#include "eval.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <typeindex>
#include <unordered_set>

#include "backend.h"
#include "eval_trace.h"
#include "primitive.h"

namespace mlx {

std::recursive_mutex& engine_mutex() {
  static std::recursive_mutex m;
  return m;
}

namespace {
thread_local int kernel_depth = 0;
}  // namespace

bool kernel_running() { return kernel_depth > 0; }

namespace {

// Topological order by iterative DFS: graphs can be far deeper than the native stack.
std::vector<Array> build_tape(const std::vector<Array>& outputs) {
  std::vector<Array> tape;
  std::unordered_set<const ArrayDesc*> visited;
  std::vector<std::pair<Array, size_t>> stack;
  for (auto& out : outputs) {
    if (!out.valid() || out.evaluated() || visited.count(out.id())) continue;
    stack.emplace_back(out, 0);
    visited.insert(out.id());
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      const auto& ins = node.inputs();
      while (next < ins.size() && (ins[next].evaluated() || visited.count(ins[next].id()))) next++;
      if (next < ins.size()) {
        Array child = ins[next++];
        visited.insert(child.id());
        stack.emplace_back(std::move(child), 0);
      } else {
        tape.push_back(std::move(node));
        stack.pop_back();
      }
    }
  }
  return tape;
}

// MLX_EVAL_TRACE=1: per-primitive kernel time and count, plus the time spent between kernels (tape walk,
// scheduling, allocation), summed until eval_trace_report(reset). Off by default (one branch per kernel).
// MLX_EVAL_TRACE=sync also waits for each device kernel, so GPU rows are execution times, not launch times.
struct EvalTrace {
  struct Row { double ms = 0; int64_t n = 0; };
  std::map<std::string, Row> rows;
  double eval_ms = 0;
  int64_t evals = 0;
  bool sync = false;
};
EvalTrace* eval_trace() {
  static EvalTrace* t = [] {
    const char* e = std::getenv("MLX_EVAL_TRACE");
    if (!e || !*e || *e == '0') return static_cast<EvalTrace*>(nullptr);
    auto* trace = new EvalTrace();
    trace->sync = std::string(e) == "sync";
    return trace;
  }();
  return t;
}
using TraceClock = std::chrono::steady_clock;
inline double ms_since(TraceClock::time_point t) {
  return std::chrono::duration<double, std::milli>(TraceClock::now() - t).count();
}
// Times one eval call (when tracing) from construction to destruction.
struct EvalTraceScope {
  EvalTrace* trace = eval_trace();
  TraceClock::time_point t0 = trace ? TraceClock::now() : TraceClock::time_point{};
  ~EvalTraceScope() {
    if (trace) trace->eval_ms += ms_since(t0), trace->evals++;
  }
};

}  // namespace

bool eval_trace_enabled() { return eval_trace() != nullptr; }

std::string eval_trace_report(bool reset) {
  EvalTrace* t = eval_trace();
  if (!t) return "";
  std::lock_guard<std::recursive_mutex> lk(engine_mutex());
  double kern = 0;
  for (auto& [k, r] : t->rows) kern += r.ms;
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%lld evals: %.2f ms in eval = %.2f kernels + %.2f between\n",
                (long long)t->evals, t->eval_ms, kern, t->eval_ms - kern);
  out += line;
  std::vector<std::pair<double, std::string>> order;
  for (auto& [k, r] : t->rows) order.emplace_back(-r.ms, k);
  std::sort(order.begin(), order.end());
  for (auto& [neg, k] : order) {
    const auto& r = t->rows[k];
    std::snprintf(line, sizeof line, "  %-26s %9.2f ms %8lld calls %8.2f us/call\n", k.c_str(), r.ms, (long long)r.n,
                  1000 * r.ms / std::max<int64_t>(r.n, 1));
    out += line;
  }
  if (reset) t->rows.clear(), t->eval_ms = 0, t->evals = 0;
  return out;
}

void eval(const std::vector<Array>& outputs) {
  // Finished arrays need no lock: reading results must not wait for another thread's eval.
  bool all_ready = true;
  for (auto& o : outputs) all_ready = all_ready && (!o.valid() || o.ready());
  if (all_ready) return;
  std::lock_guard<std::recursive_mutex> lk(engine_mutex());
  EvalTraceScope trace_scope;
  EvalTrace* trace = trace_scope.trace;
  std::vector<Array> tape = build_tape(outputs);
  std::vector<Stream> device_streams;  // GPU streams that got work: waited on at the end (MLX: eval blocks)
  // Weak: holding device outputs here would keep every intermediate's use count above one and stop
  // GPU kernels from donating buffers; dead intermediates need no ready flag.
  std::vector<std::weak_ptr<ArrayDesc>> device_outs;
  for (auto& slot : tape) {
    // Move out of the tape so a consumed input is referenced only by its consumers,
    // which lets kernels donate its buffer.
    Array arr = std::move(slot);
    if (arr.evaluated()) continue;  // a sibling computed it already
    check(arr.has_primitive(), ErrorCode::invalid_argument,
          "[eval] Attempting to evaluate a placeholder: arrays cannot be evaluated inside vmap or compile.");
    Primitive& prim = arr.primitive();
    Kernel k = find_kernel(prim.device().type, std::type_index(typeid(prim)));
    if (!k)
      throw_error(ErrorCode::not_implemented,
                  std::string("[eval] ") + prim.name() + " has no kernel on this device.");
    std::vector<Array> outs = arr.outputs();
    auto prim_ref = arr.primitive_ptr();  // keep alive while siblings detach
    kernel_depth++;
    const auto t_k = trace ? TraceClock::now() : TraceClock::time_point{};
    try {
      if (prim.device().type == Device::Type::cpu) {
        run_host_kernel(k, prim, arr.inputs(), outs);
      } else {
        k(prim, arr.inputs(), outs);
        if (trace && trace->sync) synchronize(prim.stream());
        bool seen = false;
        for (auto& s : device_streams) seen = seen || s == prim.stream();
        if (!seen) device_streams.push_back(prim.stream());
      }
    } catch (...) {
      kernel_depth--;
      throw;
    }
    kernel_depth--;
    if (trace) {
      auto& r = trace->rows[prim.name()];
      r.ms += ms_since(t_k), r.n++;
    }
    // Device results are complete only once their streams are synchronised (below).
    if (prim.device().type == Device::Type::cpu)
      for (auto& o : outs) o.mark_ready();
    else
      for (auto& o : outs) device_outs.push_back(o.desc());
    // Graphs being transformed stay attached: vjp/jvp walk them after user code evaluates.
    for (auto& o : outs)
      if (!o.is_tracer()) o.detach();
  }
  for (auto& s : device_streams) synchronize(s);
  for (auto& w : device_outs)
    if (auto d = w.lock()) Array(std::move(d)).mark_ready();
}

}  // namespace mlx
