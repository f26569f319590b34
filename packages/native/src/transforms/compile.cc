#include "compile.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <typeindex>
#include <unordered_map>

#include "../engine/eval.h"
#include "../engine/primitive.h"
#include "fuse.h"
#include "graph.h"

namespace mlx {

namespace {
bool g_enabled = std::getenv("MLX_DISABLE_COMPILE") == nullptr;

using Remap = std::unordered_map<const ArrayDesc*, Array>;
Array remapped(const Remap& m, const Array& a) {
  auto it = m.find(a.id());
  return it == m.end() ? a : it->second;
}

// Scalars with the same dtype and bytes become one node.
void merge_constants(std::vector<Array>& tape) {
  std::map<std::pair<int, std::string>, Array> seen;
  for (auto& node : tape)
    for (auto& in : node.inputs_mut()) {
      if (in.has_primitive() || !in.evaluated() || in.size() != 1 || in.ndim() != 0) continue;
      std::string bytes(static_cast<const char*>(in.raw_data()), in.itemsize());
      auto [it, fresh] = seen.emplace(std::make_pair((int)in.dtype(), bytes), in);
      if (!fresh) in = it->second;
    }
}

// Nodes with an equivalent primitive on identical inputs are computed once.
void eliminate_common_subexpressions(std::vector<Array>& tape, std::vector<Array>& outputs) {
  Remap replace;
  std::vector<Array> kept;
  std::multimap<std::pair<std::type_index, const ArrayDesc*>, Array> index;  // (kind, first input) -> node
  for (auto& node : tape) {
    for (auto& in : node.inputs_mut()) in = remapped(replace, in);
    const auto& ins = node.inputs();
    auto key = std::make_pair(std::type_index(typeid(node.primitive())), ins.empty() ? nullptr : ins[0].id());
    bool merged = false;
    auto range = index.equal_range(key);
    for (auto it = range.first; it != range.second && !merged; ++it) {
      const Array& prev = it->second;
      if (prev.inputs().size() != ins.size() || prev.shape() != node.shape() || prev.dtype() != node.dtype()) continue;
      bool same = true;
      for (size_t i = 0; i < ins.size() && same; i++) same = prev.inputs()[i].id() == ins[i].id();
      if (!same || !node.primitive().is_equivalent(prev.primitive())) continue;
      auto a = node.outputs(), b = prev.outputs();
      if (a.size() != b.size()) continue;
      for (size_t k = 0; k < a.size(); k++) replace[a[k].id()] = b[k];
      merged = true;
    }
    if (merged) continue;
    index.emplace(key, node);
    kept.push_back(node);
  }
  for (auto& o : outputs) o = remapped(replace, o);
  tape = std::move(kept);
}

// A program can be replayed on new shapes only if every node infers its output shapes and no
// constant was materialised at the traced shape (e.g. a scalar broadcast to the input's shape).
bool shape_polymorphic(const CompiledGraph& g, const std::unordered_set<const ArrayDesc*>& sources) {
  std::unordered_set<const ArrayDesc*> in_tape;
  for (auto& n : g.tape) for (auto& o : n.outputs()) in_tape.insert(o.id());
  for (auto& n : g.tape) {
    for (auto& in : n.inputs())
      if (!sources.count(in.id()) && !in_tape.count(in.id()) && in.evaluated() && in.data_size() < in.size())
        return false;  // a broadcast constant: its shape came from the trace
    try {
      n.primitive().output_shapes(n.inputs());
    } catch (const Error&) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool compile_shapeless(const CompiledGraph& g) { return g.shapeless; }

bool compile_enabled() { return g_enabled; }
void set_compile_enabled(bool on) { g_enabled = on; }

std::vector<Array> compile_placeholders(const std::vector<Array>& inputs) {
  std::vector<Array> out;
  for (auto& in : inputs) {
    Array p(std::make_shared<ArrayDesc>(in.shape(), in.dtype()));
    p.set_tracer(true);
    out.push_back(p);
  }
  return out;
}

std::shared_ptr<CompiledGraph> compile_build(const std::vector<Array>& placeholders, const std::vector<Array>& outputs,
                                             bool shapeless) {
  auto g = std::make_shared<CompiledGraph>();
  g->inputs = placeholders;
  g->outputs = outputs;
  g->shapeless = shapeless;
  std::unordered_set<const ArrayDesc*> sources;
  for (auto& p : placeholders) sources.insert(p.id());
  g->tape = tape_between(sources, outputs);

  // Everything the program reads that does not depend on the inputs is a constant: evaluate it now.
  std::vector<Array> constants;
  std::unordered_set<const ArrayDesc*> in_tape;
  for (auto& n : g->tape) for (auto& o : n.outputs()) in_tape.insert(o.id());
  for (auto& n : g->tape)
    for (auto& in : n.inputs())
      if (!sources.count(in.id()) && !in_tape.count(in.id()) && !in.evaluated()) constants.push_back(in);
  for (auto& o : outputs)
    if (!sources.count(o.id()) && !in_tape.count(o.id()) && !o.evaluated()) constants.push_back(o);
  if (!constants.empty()) eval(constants);

  merge_constants(g->tape);
  eliminate_common_subexpressions(g->tape, g->outputs);
  fuse_elementwise(g->tape, g->outputs, sources);
  if (shapeless) g->shapeless = shape_polymorphic(*g, sources);
  return g;
}

namespace {
StaticProgramFactory g_static_factory = nullptr;
bool graphs_enabled_by_env() {
  const char* e = std::getenv("MLX_CUDA_GRAPHS");
  return !(e && std::strcmp(e, "0") == 0);
}
}  // namespace

void register_static_program_factory(StaticProgramFactory f) { g_static_factory = f; }

void compile_release_static(const CompiledGraph& g) {
  g.static_program.reset();
  g.graph_off = true;
}

std::vector<Array> compile_replay(const CompiledGraph& g, const std::vector<Array>& inputs) {
  if (g.graph_requested && !g.graph_off) {
    bool tracing = false;  // transforms over the compiled function need the plain graph
    for (auto& in : inputs) tracing = tracing || in.is_tracer();
    if (!tracing && g.graph_calls++ > 0) {
      if (!g.static_program) {
        static const bool env_on = graphs_enabled_by_env();
        std::string why;
        if (env_on && g_static_factory && !g.shapeless) g.static_program = g_static_factory(g, &why);
        if (!g.static_program) g.graph_off = true;
      }
      if (g.static_program && g.static_program->failed()) {
        g.static_program.reset();
        g.graph_off = true;
      }
      if (g.static_program) {
        check(inputs.size() == g.inputs.size(), ErrorCode::invalid_argument, "[compile] Wrong number of inputs.");
        for (size_t i = 0; i < inputs.size(); i++)
          check(inputs[i].dtype() == g.inputs[i].dtype() && inputs[i].shape() == g.inputs[i].shape(),
                ErrorCode::internal, "[compile] Input does not match the compiled signature.");
        return g.static_program->call(inputs);
      }
    }
  }
  return compile_replay_nodes(g, inputs, nullptr);
}

std::vector<Array> compile_replay_nodes(const CompiledGraph& g, const std::vector<Array>& inputs,
                                        std::vector<Array>* nodes) {
  check(inputs.size() == g.inputs.size(), ErrorCode::invalid_argument, "[compile] Wrong number of inputs.");
  Remap m;
  for (size_t i = 0; i < inputs.size(); i++) {
    check(inputs[i].dtype() == g.inputs[i].dtype() && (g.shapeless ? inputs[i].ndim() == g.inputs[i].ndim()
                                                                    : inputs[i].shape() == g.inputs[i].shape()),
          ErrorCode::internal, "[compile] Input does not match the compiled signature.");
    m[g.inputs[i].id()] = inputs[i];
  }
  for (auto& node : g.tape) {
    std::vector<Array> ins;
    for (auto& in : node.inputs()) ins.push_back(remapped(m, in));
    auto outs = node.outputs();
    std::vector<Shape> shapes;
    if (g.shapeless) shapes = node.primitive().output_shapes(ins);
    else for (auto& o : outs) shapes.push_back(o.shape());
    if (outs.size() == 1) {
      m[outs[0].id()] = Array(shapes[0], outs[0].dtype(), node.primitive_ptr(), std::move(ins));
      if (nodes) nodes->push_back(m[outs[0].id()]);
    } else {
      std::vector<Dtype> dtypes;
      for (auto& o : outs) dtypes.push_back(o.dtype());
      auto fresh = Array::make_siblings(shapes, dtypes, node.primitive_ptr(), std::move(ins));
      for (size_t k = 0; k < outs.size(); k++) m[outs[k].id()] = fresh[k];
      if (nodes) nodes->push_back(fresh[0]);
    }
  }
  std::vector<Array> result;
  for (auto& o : g.outputs) result.push_back(remapped(m, o));
  return result;
}

}  // namespace mlx
