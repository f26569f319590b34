// Fused primitives of mx.fast: RMSNorm, LayerNorm (over the last axis), RoPE and
// ScaledDotProductAttention. Kernels: backend/cpu/fast_{norm,rope,attention}.cc. The backward
// rules are composed from ordinary ops (as MLX's fallbacks are); RoPE's vjp is the inverse rotation.
#pragma once
#include "../engine/primitive.h"

namespace mlx {

// inputs: x, [weight]. out = T(x * rsqrt(mean(x^2) + eps)) * weight, math in float32.
class RMSNorm : public Primitive {
 public:
  RMSNorm(Stream s, float eps, bool has_weight) : Primitive(s), eps_(eps), has_w_(has_weight) {}
  const char* name() const override { return "RMSNorm"; }
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  MLX_DECLARE_VMAP
  std::vector<Shape> output_shapes(const std::vector<Array>& inputs) override { return {inputs[0].shape()}; }
  bool is_equivalent(const Primitive& o) const override;
  float eps() const { return eps_; }
  bool has_weight() const { return has_w_; }

 private:
  float eps_;
  bool has_w_;
};

// inputs: x, [weight], [bias] (flags say which are present, in that order).
class LayerNorm : public Primitive {
 public:
  LayerNorm(Stream s, float eps, bool has_weight, bool has_bias)
      : Primitive(s), eps_(eps), has_w_(has_weight), has_b_(has_bias) {}
  const char* name() const override { return "LayerNorm"; }
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  MLX_DECLARE_VMAP
  std::vector<Shape> output_shapes(const std::vector<Array>& inputs) override { return {inputs[0].shape()}; }
  bool is_equivalent(const Primitive& o) const override;
  float eps() const { return eps_; }
  bool has_weight() const { return has_w_; }
  bool has_bias() const { return has_b_; }

 private:
  float eps_;
  bool has_w_, has_b_;
};

// inputs: x (B, *, T, D), offset (int32/uint32, 1 or B elements), [freqs (dims/2, float32)].
// forward = false applies the inverse rotation (the vjp).
class RoPE : public Primitive {
 public:
  RoPE(Stream s, int dims, bool traditional, float base, float scale, bool forward)
      : Primitive(s), dims_(dims), traditional_(traditional), base_(base), scale_(scale), forward_(forward) {}
  const char* name() const override { return "RoPE"; }
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  MLX_DECLARE_VMAP
  std::vector<Shape> output_shapes(const std::vector<Array>& inputs) override { return {inputs[0].shape()}; }
  bool is_equivalent(const Primitive& o) const override;
  int dims() const { return dims_; }
  bool traditional() const { return traditional_; }
  float base() const { return base_; }
  float scale() const { return scale_; }
  bool forward() const { return forward_; }

 private:
  int dims_;
  bool traditional_;
  float base_, scale_;
  bool forward_;
};

// inputs: q (B, Hq, Lq, D), k (B, Hkv, Lk, D), v (B, Hkv, Lk, Dv), [mask broadcast to (B, Hq, Lq, Lk):
// bool or additive in the output dtype], [sinks (Hq)]. Output (B, Hq, Lq, Dv).
class ScaledDotProductAttention : public Primitive {
 public:
  enum class Mask { none, causal, boolean, additive };
  ScaledDotProductAttention(Stream s, float scale, Mask mask, bool has_sinks)
      : Primitive(s), scale_(scale), mask_(mask), has_sinks_(has_sinks) {}
  const char* name() const override { return "ScaledDotProductAttention"; }
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  MLX_DECLARE_VMAP
  bool is_equivalent(const Primitive& o) const override;
  float scale() const { return scale_; }
  Mask mask() const { return mask_; }
  bool has_sinks() const { return has_sinks_; }

 private:
  float scale_;
  Mask mask_;
  bool has_sinks_;
};

}  // namespace mlx
