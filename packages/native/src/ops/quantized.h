// Quantization ops with MLX semantics (affine mode): quantize / dequantize, quantized_matmul, gather_mm,
// gather_qmm. group_size / bits default to 64 / 4 (-1 = default).
#pragma once
#include <optional>
#include <string>

#include "common.h"

namespace mlx {

std::vector<Array> quantize(const Array& w, int group_size = -1, int bits = -1, const std::string& mode = "affine",
                            StreamOrDevice s = {});
Array dequantize(const Array& w, const Array& scales, const std::optional<Array>& biases, int group_size = -1,
                 int bits = -1, const std::string& mode = "affine", std::optional<Dtype> dtype = std::nullopt,
                 StreamOrDevice s = {});
Array quantized_matmul(const Array& x, const Array& w, const Array& scales, const std::optional<Array>& biases,
                       bool transpose = true, int group_size = -1, int bits = -1,
                       const std::string& mode = "affine", StreamOrDevice s = {});
Array gather_mm(const Array& a, const Array& b, const std::optional<Array>& lhs_indices,
                const std::optional<Array>& rhs_indices, bool sorted_indices = false, StreamOrDevice s = {});
Array gather_qmm(const Array& x, const Array& w, const Array& scales, const std::optional<Array>& biases,
                 const std::optional<Array>& lhs_indices, const std::optional<Array>& rhs_indices,
                 bool transpose = true, int group_size = -1, int bits = -1, const std::string& mode = "affine",
                 bool sorted_indices = false, StreamOrDevice s = {});

}  // namespace mlx
