// Helpers for primitives' vmap rules.
#pragma once
#include "../ops/shape.h"

namespace mlx {

// The batch size of the mapped inputs (axis >= 0).
inline int64_t batch_size(const std::vector<Array>& in, const std::vector<int>& axes) {
  for (size_t i = 0; i < in.size(); i++)
    if (axes[i] >= 0) return in[i].shape(axes[i]);
  return 1;
}

// Moves the batch axis to 0; an unmapped input (axis < 0) is broadcast along a new axis 0 of size B.
inline Array batch_to_front(const Array& x, int axis, int64_t B = -1) {
  if (axis >= 0) return axis == 0 ? x : moveaxis(x, axis, 0);
  Array e = expand_dims(x, {0});
  if (B < 0) return e;
  Shape s = e.shape();
  s[0] = B;
  return broadcast_to(e, s);
}

}  // namespace mlx
