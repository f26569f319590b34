// Indexing primitives: gather/scatter over index arrays (MLX's Gather, Scatter, GatherAxis,
// ScatterAxis) and the boolean-mask assignment (MaskedScatter). Kernels check every index
// before writing, so an out-of-range index raises a typed IndexError at eval time.
#pragma once
#include "../engine/primitive.h"

namespace mlx {

enum class ScatterReduce { none, sum, prod, max, min };

// inputs: [a, idx_0 .. idx_{k-1}] (indices broadcast to one shape). Output shape:
// idx_shape + slice_sizes; slice i starts at a[..., idx_j[i] on axes[j], ...].
class Gather : public Primitive {
 public:
  Gather(Stream s, std::vector<int> axes, Shape slice_sizes)
      : Primitive(s), axes_(std::move(axes)), slice_sizes_(std::move(slice_sizes)) {}
  const char* name() const override { return "Gather"; }
  MLX_DECLARE_VMAP
  MLX_DECLARE_OUTPUT_SHAPES
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  bool is_equivalent(const Primitive& o) const override;
  const std::vector<int>& axes() const { return axes_; }
  const Shape& slice_sizes() const { return slice_sizes_; }
 private:
  std::vector<int> axes_;
  Shape slice_sizes_;
};

// inputs: [a, idx_0 .. idx_{k-1}, updates]; updates shape: idx_shape + window shape (a.ndim dims).
class Scatter : public Primitive {
 public:
  Scatter(Stream s, ScatterReduce r, std::vector<int> axes) : Primitive(s), reduce_(r), axes_(std::move(axes)) {}
  const char* name() const override;
  MLX_DECLARE_VMAP
  MLX_DECLARE_OUTPUT_SHAPES
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  bool is_equivalent(const Primitive& o) const override;
  ScatterReduce reduce() const { return reduce_; }
  const std::vector<int>& axes() const { return axes_; }
 private:
  ScatterReduce reduce_;
  std::vector<int> axes_;
};

// inputs: [a, idx] with idx.ndim == a.ndim and matching shapes off `axis`; output shape = idx shape.
class GatherAxis : public Primitive {
 public:
  GatherAxis(Stream s, int axis) : Primitive(s), axis_(axis) {}
  const char* name() const override { return "GatherAxis"; }
  MLX_DECLARE_VMAP
  MLX_DECLARE_OUTPUT_SHAPES
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  bool is_equivalent(const Primitive& o) const override;
  int axis() const { return axis_; }
 private:
  int axis_;
};

// inputs: [a, idx, updates] (idx and updates share a shape); reduce is none or sum.
class ScatterAxis : public Primitive {
 public:
  ScatterAxis(Stream s, ScatterReduce r, int axis) : Primitive(s), reduce_(r), axis_(axis) {}
  const char* name() const override { return reduce_ == ScatterReduce::sum ? "ScatterAxis Sum" : "ScatterAxis"; }
  MLX_DECLARE_VMAP
  MLX_DECLARE_OUTPUT_SHAPES
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  bool is_equivalent(const Primitive& o) const override;
  ScatterReduce reduce() const { return reduce_; }
  int axis() const { return axis_; }
 private:
  ScatterReduce reduce_;
  int axis_;
};

// inputs: [a, mask, src]; mask.shape is a prefix of a.shape; src is (rows, a.shape[mask.ndim:]...).
// The i-th true position of the mask (row-major) receives src row i.
class MaskedScatter : public Primitive {
 public:
  explicit MaskedScatter(Stream s) : Primitive(s) {}
  const char* name() const override { return "MaskedScatter"; }
  MLX_DECLARE_VMAP
  MLX_DECLARE_OUTPUT_SHAPES
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  bool is_equivalent(const Primitive& o) const override;
};

// Private elementwise helper for `a.at[i].subtract/divide` (MLX negates / inverts the update).
class IndexUpdateUnary : public Primitive {
 public:
  enum Op { negative, reciprocal };
  IndexUpdateUnary(Stream s, Op op) : Primitive(s), op_(op) {}
  const char* name() const override { return op_ == negative ? "Negative" : "Reciprocal"; }
  MLX_DECLARE_VJP
  bool is_equivalent(const Primitive& o) const override;
  Op op() const { return op_; }
 private:
  Op op_;
};

}  // namespace mlx
