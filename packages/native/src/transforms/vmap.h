// Vectorising map: trace the function once on per-example placeholders, then rewrite the
// graph node by node with each primitive's vmap rule (MLX's design).
#pragma once
#include <vector>

#include "../engine/array.h"

namespace mlx {

// Placeholders for the inputs of a vmapped function: the input with `axis` removed
// (axis -1: not mapped, the input itself is used).
std::vector<Array> vmap_placeholders(const std::vector<Array>& inputs, const std::vector<int>& in_axes);

// Rewrites `outputs` (computed from placeholders) into batched arrays with the batch
// dimension at out_axes[i] (-1: the output must not depend on mapped inputs).
std::vector<Array> vmap_replace(const std::vector<Array>& inputs, const std::vector<Array>& placeholders,
                                const std::vector<int>& in_axes, const std::vector<Array>& outputs,
                                const std::vector<int>& out_axes);

}  // namespace mlx
