// compile: trace once, simplify, fuse, replay. A CompiledGraph is the traced program; replaying
// it on new inputs builds the (simplified, fused) graph without running JS again.
#pragma once
#include <memory>
#include <vector>

#include "../engine/array.h"

namespace mlx {

struct CompiledGraph {
  std::vector<Array> inputs;   // placeholders
  std::vector<Array> outputs;  // traced outputs
  std::vector<Array> tape;     // nodes depending on inputs, topological order
  bool shapeless = false;
};

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
