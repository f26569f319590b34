// Reverse and forward mode differentiation over a traced graph (MLX's vjp/jvp).
#pragma once
#include <vector>

#include "../engine/array.h"

namespace mlx {

// Cotangents of `primals` given the `outputs` computed from them and the output cotangents.
// primals must be the traced inputs (see trace_inputs) the outputs were computed from.
std::vector<Array> vjp_backward(const std::vector<Array>& primals, const std::vector<Array>& outputs,
                                const std::vector<Array>& cotangents);

// Tangents of `outputs` given tangents of the traced `primals`.
std::vector<Array> jvp_forward(const std::vector<Array>& primals, const std::vector<Array>& tangents,
                               const std::vector<Array>& outputs);

// Fresh graph nodes standing for the inputs of a transformed function (marked as tracers).
std::vector<Array> trace_inputs(const std::vector<Array>& inputs);

}  // namespace mlx
