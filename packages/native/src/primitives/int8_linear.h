// Int8Linear: y = x @ W^T (+ bias) with W stored as int8 rows and one float32 scale per output row, computed
// as an int8 x int8 product: each row of x is quantized on the fly (symmetric, per row), like CTranslate2's
// int8 compute type.
#pragma once
#include "../engine/primitive.h"

namespace mlx {

// inputs {x (float32, [..., K]), w (int8, [N, K]), scales (float32, [N])} or the same plus {bias (float32, [N])}.
// output float32 [..., N].
class Int8Linear : public Primitive {
 public:
  explicit Int8Linear(Stream s) : Primitive(s) {}
  const char* name() const override { return "Int8Linear"; }
  bool is_equivalent(const Primitive& o) const override { return dynamic_cast<const Int8Linear*>(&o) != nullptr; }
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  MLX_DECLARE_OUTPUT_SHAPES
};

}  // namespace mlx
