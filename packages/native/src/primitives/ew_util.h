// Small helpers shared by the elementwise/matmul transform rules.
#pragma once
#include <algorithm>

#include "../ops/binary.h"
#include "../ops/shape.h"
#include "../ops/unary.h"

namespace mlx::ew {

using V = std::vector<Array>;
using VM = std::pair<std::vector<Array>, std::vector<int>>;

inline Array zeros(const Shape& shape, Dtype dt, const Stream& s) { return full(shape, Array::scalar(0.0, dt), dt, s); }
inline Array zeros_like(const Array& a, const Stream& s) { return zeros(a.shape(), a.dtype(), s); }

// A constant in the dtype of `like` (float32 when `like` is not inexact), so that
// multiplying by it never promotes a float16/bfloat16 gradient.
inline Array cst(double v, const Array& like) {
  return Array::scalar(v, is_inexact(like.dtype()) ? like.dtype() : Dtype::float32);
}

// Aligns elementwise inputs for a vmap rule: mapped inputs get their batch axis moved to the
// axis of the first mapped input; unmapped ones get a size-1 axis there and broadcast.
// Returns the batch axis (-1 when nothing is mapped: the inputs are returned unchanged).
inline int align_batch(V& in, const std::vector<int>& axes, const Stream& s) {
  int to = -1;
  for (size_t i = 0; i < in.size() && to < 0; i++) if (axes[i] >= 0) to = axes[i];
  if (to < 0) return -1;
  for (size_t i = 0; i < in.size(); i++) {
    if (axes[i] < 0) in[i] = expand_dims(in[i], {to}, s);
    else if (axes[i] != to) in[i] = moveaxis(in[i], axes[i], to, s);
  }
  return to;
}

}  // namespace mlx::ew
