#include "eval.h"

#include <typeindex>
#include <unordered_set>

#include "backend.h"
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

}  // namespace

void eval(const std::vector<Array>& outputs) {
  // Finished arrays need no lock: reading results must not wait for another thread's eval.
  bool all_ready = true;
  for (auto& o : outputs) all_ready = all_ready && (!o.valid() || o.ready());
  if (all_ready) return;
  std::lock_guard<std::recursive_mutex> lk(engine_mutex());
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
    try {
      if (prim.device().type == Device::Type::cpu) {
        run_host_kernel(k, prim, arr.inputs(), outs);
      } else {
        k(prim, arr.inputs(), outs);
        bool seen = false;
        for (auto& s : device_streams) seen = seen || s == prim.stream();
        if (!seen) device_streams.push_back(prim.stream());
      }
    } catch (...) {
      kernel_depth--;
      throw;
    }
    kernel_depth--;
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
