// Fusion of elementwise chains into single kernels (compile's last pass).
#pragma once
#include <unordered_set>
#include <vector>

#include "../engine/array.h"

namespace mlx {

void fuse_elementwise(std::vector<Array>& tape, std::vector<Array>& outputs,
                      const std::unordered_set<const ArrayDesc*>& inputs);

}  // namespace mlx
