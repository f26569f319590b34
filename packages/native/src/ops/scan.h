// Cumulative ops with MLX's (axis, reverse, inclusive) semantics. The overloads without an
// axis flatten first (axis=None). cumsum of bool gives int32; logcumsumexp of integers float32.
#pragma once
#include "common.h"

namespace mlx {

Array cumsum(const Array& a, int axis, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
Array cumprod(const Array& a, int axis, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
Array cummax(const Array& a, int axis, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
Array cummin(const Array& a, int axis, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
Array logcumsumexp(const Array& a, int axis, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
// axis=None: the scan runs over the flattened array.
Array cumsum(const Array& a, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
Array cumprod(const Array& a, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
Array cummax(const Array& a, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
Array cummin(const Array& a, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
Array logcumsumexp(const Array& a, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});

}  // namespace mlx
