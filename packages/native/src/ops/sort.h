// Sorting ops (MLX semantics): stable sorts with NaNs last, uint32 indices, partition around kth,
// topk = the k largest (unordered). The overloads without an axis flatten first (axis=None).
#pragma once
#include "common.h"

namespace mlx {

Array sort(const Array& a, int axis, StreamOrDevice s = {});
Array sort(const Array& a, StreamOrDevice s = {});
Array argsort(const Array& a, int axis, StreamOrDevice s = {});
Array argsort(const Array& a, StreamOrDevice s = {});
Array partition(const Array& a, int kth, int axis, StreamOrDevice s = {});
Array partition(const Array& a, int kth, StreamOrDevice s = {});
Array argpartition(const Array& a, int kth, int axis, StreamOrDevice s = {});
Array argpartition(const Array& a, int kth, StreamOrDevice s = {});
Array topk(const Array& a, int k, int axis, StreamOrDevice s = {});
Array topk(const Array& a, int k, StreamOrDevice s = {});

}  // namespace mlx
