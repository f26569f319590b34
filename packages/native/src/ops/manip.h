// Array-manipulation ops (MLX semantics): padding, tiling, rolling, diagonals, triangles,
// grids, strided/dtype views, products (kron/outer/inner/tensordot), Hadamard, median.
#pragma once
#include <optional>
#include <string>
#include <utility>

#include "common.h"

namespace mlx {

// widths: one (low, high) pair for every axis, or a single pair for all axes.
Array pad(const Array& a, const std::vector<std::pair<int64_t, int64_t>>& widths, const Array& value,
          const std::string& mode = "constant", StreamOrDevice s = {});
Array tile(const Array& a, std::vector<int64_t> reps, StreamOrDevice s = {});
Array repeat(const Array& a, int64_t repeats, std::optional<int> axis, StreamOrDevice s = {});
// axes empty: roll the flattened array by the sum of the shifts.
Array roll(const Array& a, const std::vector<int64_t>& shifts, const std::optional<std::vector<int>>& axes,
           StreamOrDevice s = {});
Array flip(const Array& a, const std::optional<std::vector<int>>& axes, StreamOrDevice s = {});
Array diagonal(const Array& a, int offset = 0, int axis1 = 0, int axis2 = 1, StreamOrDevice s = {});
Array diag(const Array& a, int k = 0, StreamOrDevice s = {});
Array trace(const Array& a, int offset, int axis1, int axis2, std::optional<Dtype> dt, StreamOrDevice s = {});
Array tril(const Array& a, int k = 0, StreamOrDevice s = {});
Array triu(const Array& a, int k = 0, StreamOrDevice s = {});
std::vector<Array> meshgrid(const std::vector<Array>& arrays, bool sparse = false, const std::string& indexing = "xy",
                            StreamOrDevice s = {});
Array atleast_nd(const Array& a, int n, StreamOrDevice s = {});  // n in 1..3, MLX's placement
Array as_strided(const Array& a, Shape shape, Strides strides, int64_t offset, StreamOrDevice s = {});
Array view(const Array& a, Dtype dt, StreamOrDevice s = {});
Array kron(const Array& a, const Array& b, StreamOrDevice s = {});
Array outer(const Array& a, const Array& b, StreamOrDevice s = {});
Array inner(const Array& a, const Array& b, StreamOrDevice s = {});
Array tensordot(const Array& a, const Array& b, int axes, StreamOrDevice s = {});
Array tensordot(const Array& a, const Array& b, const std::vector<int>& axes_a, const std::vector<int>& axes_b,
                StreamOrDevice s = {});
Array hadamard_transform(const Array& a, std::optional<float> scale = {}, StreamOrDevice s = {});
Array median(const Array& a, const std::optional<std::vector<int>>& axes, bool keepdims = false, StreamOrDevice s = {});
std::vector<Array> unstack(const Array& a, int axis = 0, StreamOrDevice s = {});

}  // namespace mlx
