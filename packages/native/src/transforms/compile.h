// compile: trace once, simplify, fuse, replay. A CompiledGraph is the traced program; replaying
// it on new inputs builds the (simplified, fused) graph without running JS again.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../engine/array.h"

namespace mlx {

// A compiled program replayed by a backend as one launch (CUDA graphs, backend/cuda/graph.cu).
class StaticProgram {
 public:
  virtual ~StaticProgram() = default;
  // Lazy outputs of one call: one node whose kernel runs the whole program.
  virtual std::vector<Array> call(const std::vector<Array>& inputs) = 0;
  // Capture failed at run time: the program is replayed normally from then on.
  virtual bool failed() const = 0;
};

struct CompiledGraph {
  std::vector<Array> inputs;   // placeholders
  std::vector<Array> outputs;  // traced outputs
  std::vector<Array> tape;     // nodes depending on inputs, topological order
  bool shapeless = false;
  // Graph replay (compile option cudaGraph): the first call replays normally, later ones go
  // through a StaticProgram when the backend can build one. `state` pairs (output, input): that
  // output is fed back as that input on the next call (K/V caches), kept in place without copies.
  bool graph_requested = false;
  std::vector<std::pair<int, int>> graph_state;
  mutable int graph_calls = 0;
  mutable bool graph_off = false;  // a precondition failed, or released
  mutable std::shared_ptr<StaticProgram> static_program;
};

// Backends that replay programs as one launch register a factory; it returns null (and a reason
// in *why) when the program does not qualify. Set by the CUDA backend.
using StaticProgramFactory = std::shared_ptr<StaticProgram> (*)(const CompiledGraph& g, std::string* why);
void register_static_program_factory(StaticProgramFactory f);

// Plain replay, also giving the new nodes in tape order (the CUDA graph capture runs them itself).
std::vector<Array> compile_replay_nodes(const CompiledGraph& g, const std::vector<Array>& inputs,
                                        std::vector<Array>* nodes);

// Drops the program's graph-replay resources (owned device buffers, captured graph) and stops
// graph replay for it.
void compile_release_static(const CompiledGraph& g);

// Placeholders with the inputs' shapes and dtypes (no data; evaluating one is an error).
std::vector<Array> compile_placeholders(const std::vector<Array>& inputs);

// Builds the program from traced outputs: evaluates constant subgraphs, merges equal constants
// and common subexpressions, fuses elementwise chains.
std::shared_ptr<CompiledGraph> compile_build(const std::vector<Array>& placeholders, const std::vector<Array>& outputs,
                                             bool shapeless);

// New lazy outputs for `inputs` (same dtypes; same shapes unless shapeless).
std::vector<Array> compile_replay(const CompiledGraph& g, const std::vector<Array>& inputs);

// Whether the program built with shapeless=true can really be replayed on other shapes (otherwise
// the caller traces once per shape).
bool compile_shapeless(const CompiledGraph& g);

// Global switch (MLX's disable_compile / enable_compile; also env MLX_DISABLE_COMPILE).
bool compile_enabled();
void set_compile_enabled(bool on);

}  // namespace mlx
