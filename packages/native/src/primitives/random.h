// Random-number primitives. RandomBits is MLX's counter-based generator (threefry2x32); the
// others are private fused transforms that turn raw bits into samples with exactly the float
// operations MLX's op chains perform (so results match MLX bit for bit where MLX's ops are exact).
#pragma once
#include "../engine/primitive.h"

namespace mlx {

// threefry2x32 (20 rounds): the hash behind MLX's and JAX's counter-based PRNG.
inline uint32_t threefry_rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

#define MLX_TF_MIX(R) x += y, y = threefry_rotl(y, R), y ^= x
inline void threefry2x32(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1, uint32_t& o0, uint32_t& o1) {
  const uint32_t k2 = k0 ^ k1 ^ 0x1BD11BDAu;
  uint32_t x = c0 + k0, y = c1 + k1;
  MLX_TF_MIX(13); MLX_TF_MIX(15); MLX_TF_MIX(26); MLX_TF_MIX(6);  x += k1; y += k2 + 1;
  MLX_TF_MIX(17); MLX_TF_MIX(29); MLX_TF_MIX(16); MLX_TF_MIX(24); x += k2; y += k0 + 2;
  MLX_TF_MIX(13); MLX_TF_MIX(15); MLX_TF_MIX(26); MLX_TF_MIX(6);  x += k0; y += k1 + 3;
  MLX_TF_MIX(17); MLX_TF_MIX(29); MLX_TF_MIX(16); MLX_TF_MIX(24); x += k1; y += k2 + 4;
  MLX_TF_MIX(13); MLX_TF_MIX(15); MLX_TF_MIX(26); MLX_TF_MIX(6);  x += k2; y += k0 + 5;
  o0 = x, o1 = y;
}
#undef MLX_TF_MIX


// keys [..., 2] uint32 -> out [..., *shape] of uint8/uint16/uint32 (width 1/2/4 bytes).
class RandomBits : public Primitive {
 public:
  RandomBits(Stream s, Shape shape, int width) : Primitive(s), shape_(std::move(shape)), width_(width) {}
  const char* name() const override { return "RandomBits"; }
  MLX_DECLARE_VMAP
  const Shape& shape() const { return shape_; }
  int width() const { return width_; }
  bool is_equivalent(const Primitive& o) const override;
 private:
  Shape shape_;
  int width_;
};

// Elementwise sample transforms. Input 0 is the uint32 bits (same shape as the output, except
// complex_normal where it has a trailing axis of 2); the other inputs are parameters already
// cast and broadcast to the output shape by the op (see ops/random.cc for each kind's inputs).
class RandomTransform : public Primitive {
 public:
  enum Kind { uniform, randint, bernoulli, normal, complex_normal, truncated_normal, gumbel, laplace };
  RandomTransform(Stream s, Kind kind, Dtype dtype, bool has_scale = false, bool has_loc = false, float scale = 1,
                  float loc = 0)
      : Primitive(s), kind_(kind), dtype_(dtype), has_scale_(has_scale), has_loc_(has_loc), scale_(scale), loc_(loc) {}
  const char* name() const override { return "RandomTransform"; }
  MLX_DECLARE_VMAP
  Kind kind() const { return kind_; }
  Dtype dtype() const { return dtype_; }
  bool has_scale() const { return has_scale_; }
  bool has_loc() const { return has_loc_; }
  float scale() const { return scale_; }
  float loc() const { return loc_; }
  bool is_equivalent(const Primitive& o) const override;
 private:
  Kind kind_;
  Dtype dtype_;
  bool has_scale_, has_loc_;
  float scale_, loc_;  // laplace's scalar parameters
};

// uint32 [n] -> uint32 [n]: indices that sort the values (stable), i.e. MLX's argsort of bits.
class RandomArgsort : public Primitive {
 public:
  explicit RandomArgsort(Stream s) : Primitive(s) {}
  const char* name() const override { return "RandomArgsort"; }
};

// (x, idx uint32 [k]) -> x gathered along `axis` (the take() that permutation needs).
class RandomTake : public Primitive {
 public:
  RandomTake(Stream s, int axis) : Primitive(s), axis_(axis) {}
  const char* name() const override { return "RandomTake"; }
  int axis() const { return axis_; }
 private:
  int axis_;
};

// (g [M, K], logits [M, K]) both float32 or both float64 -> uint32 [M]: argmax_k(g + logits).
class RandomCategorical : public Primitive {
 public:
  explicit RandomCategorical(Stream s) : Primitive(s) {}
  const char* name() const override { return "RandomCategorical"; }
};

// cov [..., n, n] float32 -> its principal square root (the SVD-based U sqrt(S) V^T of MLX for a
// positive semi-definite matrix), computed with a Jacobi eigensolver in float64.
class RandomPsdSqrt : public Primitive {
 public:
  explicit RandomPsdSqrt(Stream s) : Primitive(s) {}
  const char* name() const override { return "RandomPsdSqrt"; }
};

// (z [..., n], std [..., n, n], mean [..., n]) all float32 and broadcast to the output ->
// out[..., j] = mean[..., j] + sum_i z[..., i] * std[..., i, j].
class RandomMvnApply : public Primitive {
 public:
  explicit RandomMvnApply(Stream s) : Primitive(s) {}
  const char* name() const override { return "RandomMvnApply"; }
};

}  // namespace mlx
