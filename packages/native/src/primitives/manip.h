// Array-manipulation primitives that composition cannot express cheaply: strided views
// (as_strided), dtype reinterpretation (view) and the Walsh-Hadamard transform.
#pragma once
#include "../engine/primitive.h"

namespace mlx {

// A view of a flat row-contiguous input with explicit shape, strides and offset (elements).
class AsStrided : public Primitive {
 public:
  AsStrided(Stream s, Shape shape, Strides strides, int64_t offset)
      : Primitive(s), shape_(std::move(shape)), strides_(std::move(strides)), offset_(offset) {}
  const char* name() const override { return "AsStrided"; }
  MLX_DECLARE_VMAP
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  bool is_equivalent(const Primitive& o) const override;
  const Shape& shape() const { return shape_; }
  const Strides& strides() const { return strides_; }
  int64_t offset() const { return offset_; }
  // Makes out this view of x (x row-contiguous, already on the kernel's device): shares x's buffer. Used by every
  // backend's kernel once it has such an x.
  void share_view(Array& out, const Array& x) const;
 private:
  Shape shape_;
  Strides strides_;
  int64_t offset_;
};

// Reinterprets the bytes of the input as another dtype (the last axis rescales).
class View : public Primitive {
 public:
  View(Stream s, Dtype dt) : Primitive(s), dtype_(dt) {}
  const char* name() const override { return "View"; }
  MLX_DECLARE_VMAP
  bool is_equivalent(const Primitive& o) const override;
  Dtype dtype() const { return dtype_; }
 private:
  Dtype dtype_;
};

// y = scale * x @ (H_m kron H_{2^k}) along the last axis, n = m * 2^k, m in {1, 12, 20, 28};
// `transposed` applies the transposed matrix (the vjp; H_20 and H_28 are not symmetric).
class Hadamard : public Primitive {
 public:
  Hadamard(Stream s, float scale, bool transposed = false) : Primitive(s), scale_(scale), transposed_(transposed) {}
  const char* name() const override { return "Hadamard"; }
  MLX_DECLARE_VMAP
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  bool is_equivalent(const Primitive& o) const override;
  float scale() const { return scale_; }
  bool transposed() const { return transposed_; }
 private:
  float scale_;
  bool transposed_;
};

}  // namespace mlx
