// The mx.fast primitives as compositions of ordinary ops (MLX calls these fallbacks). Forward-mode
// and batching rules that have no cheaper closed form run the transform through the composition.
#pragma once
#include "../engine/primitive.h"

namespace mlx::fast::detail {

// The primitive's output computed with ordinary ops (float32 math, cast to the output dtype).
std::vector<Array> reference(const Primitive& p, const std::vector<Array>& inputs);

std::vector<Array> jvp_through_reference(const Primitive& p, const std::vector<Array>& primals,
                                         const std::vector<Array>& tangents, const std::vector<int>& argnums);
std::pair<std::vector<Array>, std::vector<int>> vmap_through_reference(const Primitive& p, const std::vector<Array>& inputs,
                                                                       const std::vector<int>& axes);

}  // namespace mlx::fast::detail
