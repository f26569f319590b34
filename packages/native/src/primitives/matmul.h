// Matrix multiplication primitives. Inputs arrive with equal batch shapes (broadcast views) and one dtype.
#pragma once
#include "../engine/primitive.h"
#include "ew_rules.h"

namespace mlx {

// out = a @ b over the last two dims; inputs {a, b}.
class Matmul : public Primitive {
 public:
  explicit Matmul(Stream s) : Primitive(s) {}
  const char* name() const override { return "Matmul"; }
  bool is_equivalent(const Primitive& o) const override;
  MLX_EW_RULES
};

// out = alpha * (a @ b) + beta * c; inputs {a, b, c}, c already broadcast to the output shape.
class AddMM : public Primitive {
 public:
  AddMM(Stream s, float alpha, float beta) : Primitive(s), alpha_(alpha), beta_(beta) {}
  const char* name() const override { return "AddMM"; }
  float alpha() const { return alpha_; }
  float beta() const { return beta_; }
  bool is_equivalent(const Primitive& o) const override;
  MLX_EW_RULES
 private:
  float alpha_, beta_;
};

}  // namespace mlx
