// Elementwise ternary primitives.
#pragma once
#include "../engine/primitive.h"
#include "ew_rules.h"

namespace mlx {

// where(cond, x, y): inputs arrive broadcast to the output shape, cond as bool, x and y in the output dtype.
class Select : public Primitive {
 public:
  explicit Select(Stream s) : Primitive(s) {}
  const char* name() const override { return "Select"; }
  bool is_equivalent(const Primitive& o) const override;
  MLX_EW_RULES
};

}  // namespace mlx
