// Reduction primitives: Reduce (sum/prod/max/min/all/any/mean over a set of axes),
// ArgReduce (argmax/argmin over one axis), Softmax and LogSumExp over the last axis
// (ops move other axes there first).
#pragma once
#include "../engine/primitive.h"

namespace mlx {

class Reduce : public Primitive {
 public:
  // mean divides the sum by the number of reduced elements in the kernel (fused).
  enum Op { sum, prod, max, min, all, any, mean };
  Reduce(Stream s, Op op, std::vector<int> axes) : Primitive(s), op_(op), axes_(std::move(axes)) {}
  const char* name() const override { return "Reduce"; }
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  MLX_DECLARE_VMAP
  MLX_DECLARE_OUTPUT_SHAPES
  Op op() const { return op_; }
  const std::vector<int>& axes() const { return axes_; }  // sorted, unique, in input dims
  bool is_equivalent(const Primitive& o) const override;
 private:
  Op op_;
  std::vector<int> axes_;
};

// Variance over axes in one kernel: mean, then the sum of squared deviations (|x - mu|^2 for
// complex), times 1 / max(n - ddof, 0); sqrt for std.
class Variance : public Primitive {
 public:
  Variance(Stream s, std::vector<int> axes, int ddof, bool take_sqrt)
      : Primitive(s), axes_(std::move(axes)), ddof_(ddof), sqrt_(take_sqrt) {}
  const char* name() const override { return "Variance"; }
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  MLX_DECLARE_VMAP
  MLX_DECLARE_OUTPUT_SHAPES
  const std::vector<int>& axes() const { return axes_; }
  int ddof() const { return ddof_; }
  bool take_sqrt() const { return sqrt_; }
  bool is_equivalent(const Primitive& o) const override;
 private:
  std::vector<int> axes_;
  int ddof_;
  bool sqrt_;
};

class ArgReduce : public Primitive {
 public:
  enum Op { argmax, argmin };
  ArgReduce(Stream s, Op op, int axis) : Primitive(s), op_(op), axis_(axis) {}
  const char* name() const override { return "ArgReduce"; }
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  MLX_DECLARE_VMAP
  MLX_DECLARE_OUTPUT_SHAPES
  Op op() const { return op_; }
  int axis() const { return axis_; }  // output keeps this axis with size 1
  bool is_equivalent(const Primitive& o) const override;
 private:
  Op op_;
  int axis_;
};

// Over the last axis. precise: half inputs accumulate in float32 (always true here; the flag
// is kept for equivalence and other backends).
class Softmax : public Primitive {
 public:
  Softmax(Stream s, bool precise) : Primitive(s), precise_(precise) {}
  const char* name() const override { return "Softmax"; }
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  MLX_DECLARE_VMAP
  MLX_DECLARE_OUTPUT_SHAPES
  bool precise() const { return precise_; }
  bool is_equivalent(const Primitive& o) const override;
 private:
  bool precise_;
};

// Over the last axis; output has that axis removed.
class LogSumExp : public Primitive {
 public:
  explicit LogSumExp(Stream s) : Primitive(s) {}
  const char* name() const override { return "LogSumExp"; }
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  MLX_DECLARE_VMAP
  MLX_DECLARE_OUTPUT_SHAPES
  bool is_equivalent(const Primitive& o) const override;
};

}  // namespace mlx
