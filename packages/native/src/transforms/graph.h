// Graph walks shared by the transforms.
#pragma once
#include <unordered_set>
#include <vector>

#include "../engine/array.h"

namespace mlx {

// Nodes that depend on any of `sources` and lead to `outputs`, in topological order
// (inputs before users). Sources themselves are not included; the walk stops at them.
std::vector<Array> tape_between(const std::unordered_set<const ArrayDesc*>& sources, const std::vector<Array>& outputs);

}  // namespace mlx
