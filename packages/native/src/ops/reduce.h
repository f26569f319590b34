// Reductions with MLX's semantics. `axes` empty with all_axes=true means every axis.
#pragma once
#include <optional>

#include "common.h"

namespace mlx {

// Axis list as given by the user: nullopt = all axes.
using Axes = std::optional<std::vector<int>>;

Array sum(const Array& a, const Axes& axes, bool keepdims = false, StreamOrDevice s = {});
Array prod(const Array& a, const Axes& axes, bool keepdims = false, StreamOrDevice s = {});
Array max(const Array& a, const Axes& axes, bool keepdims = false, StreamOrDevice s = {});
Array min(const Array& a, const Axes& axes, bool keepdims = false, StreamOrDevice s = {});
Array all(const Array& a, const Axes& axes, bool keepdims = false, StreamOrDevice s = {});
Array any(const Array& a, const Axes& axes, bool keepdims = false, StreamOrDevice s = {});
Array mean(const Array& a, const Axes& axes, bool keepdims = false, StreamOrDevice s = {});
Array var(const Array& a, const Axes& axes, bool keepdims = false, int ddof = 0, StreamOrDevice s = {});
Array std(const Array& a, const Axes& axes, bool keepdims = false, int ddof = 0, StreamOrDevice s = {});
Array logsumexp(const Array& a, const Axes& axes, bool keepdims = false, StreamOrDevice s = {});
Array softmax(const Array& a, const Axes& axes, bool precise = false, StreamOrDevice s = {});
// axis nullopt: over the flattened array.
Array argmax(const Array& a, std::optional<int> axis, bool keepdims = false, StreamOrDevice s = {});
Array argmin(const Array& a, std::optional<int> axis, bool keepdims = false, StreamOrDevice s = {});

}  // namespace mlx
