// Elementwise binary primitives. The op functions (ops/binary.cc) broadcast both inputs to the
// output shape and cast them to one compute dtype, so kernels see same-shape, same-dtype inputs.
#pragma once
#include "../engine/primitive.h"
#include "ew_rules.h"

namespace mlx {

enum class BinaryOp : uint8_t {
  add, subtract, multiply, divide, floor_divide, remainder, power, maximum, minimum, arctan2, logaddexp,
  equal, not_equal, less, less_equal, greater, greater_equal, logical_and, logical_or,
  bitwise_and, bitwise_or, bitwise_xor, left_shift, right_shift,
};
constexpr int kNumBinaryOps = (int)BinaryOp::right_shift + 1;

const char* binary_op_name(BinaryOp op);  // primitive name, e.g. "Add"
// Comparisons and logical ops write bool; everything else writes the input dtype.
inline bool binary_op_is_predicate(BinaryOp op) { return op >= BinaryOp::equal && op <= BinaryOp::logical_or; }

// Base of every binary primitive; kernels switch on op(). Equal also carries equal_nan.
class Binary : public Primitive {
 public:
  Binary(Stream s, BinaryOp op, bool equal_nan = false) : Primitive(s), op_(op), equal_nan_(equal_nan) {}
  const char* name() const override { return binary_op_name(op_); }
  BinaryOp op() const { return op_; }
  bool equal_nan() const { return equal_nan_; }
  bool is_equivalent(const Primitive& o) const override;
  MLX_EW_RULES

 private:
  BinaryOp op_;
  bool equal_nan_;
};

#define MLX_BINARY_PRIMITIVE(NAME, OP) \
  class NAME : public Binary {         \
   public:                             \
    explicit NAME(Stream s) : Binary(s, BinaryOp::OP) {} \
  };
MLX_BINARY_PRIMITIVE(Add, add)
MLX_BINARY_PRIMITIVE(Subtract, subtract)
MLX_BINARY_PRIMITIVE(Multiply, multiply)
MLX_BINARY_PRIMITIVE(Divide, divide)
MLX_BINARY_PRIMITIVE(FloorDivide, floor_divide)
MLX_BINARY_PRIMITIVE(Remainder, remainder)
MLX_BINARY_PRIMITIVE(Power, power)
MLX_BINARY_PRIMITIVE(Maximum, maximum)
MLX_BINARY_PRIMITIVE(Minimum, minimum)
MLX_BINARY_PRIMITIVE(ArcTan2, arctan2)
MLX_BINARY_PRIMITIVE(LogAddExp, logaddexp)
MLX_BINARY_PRIMITIVE(NotEqual, not_equal)
MLX_BINARY_PRIMITIVE(Less, less)
MLX_BINARY_PRIMITIVE(LessEqual, less_equal)
MLX_BINARY_PRIMITIVE(Greater, greater)
MLX_BINARY_PRIMITIVE(GreaterEqual, greater_equal)
MLX_BINARY_PRIMITIVE(LogicalAnd, logical_and)
MLX_BINARY_PRIMITIVE(LogicalOr, logical_or)
MLX_BINARY_PRIMITIVE(BitwiseAnd, bitwise_and)
MLX_BINARY_PRIMITIVE(BitwiseOr, bitwise_or)
MLX_BINARY_PRIMITIVE(BitwiseXor, bitwise_xor)
MLX_BINARY_PRIMITIVE(LeftShift, left_shift)
MLX_BINARY_PRIMITIVE(RightShift, right_shift)
#undef MLX_BINARY_PRIMITIVE

class Equal : public Binary {
 public:
  Equal(Stream s, bool equal_nan = false) : Binary(s, BinaryOp::equal, equal_nan) {}
};

// Python's divmod: two outputs (floor quotient, remainder) from one pass.
class DivMod : public Primitive {
 public:
  explicit DivMod(Stream s) : Primitive(s) {}
  const char* name() const override { return "DivMod"; }
  bool is_equivalent(const Primitive& o) const override;
  MLX_EW_RULES
};

// isclose: |a - b| <= atol + rtol * |b|, with infinities equal only to themselves and NaN equal to NaN
// when equal_nan. Inputs share one dtype; output bool.
class IsClose : public Primitive {
 public:
  IsClose(Stream s, double rtol, double atol, bool equal_nan)
      : Primitive(s), rtol_(rtol), atol_(atol), equal_nan_(equal_nan) {}
  const char* name() const override { return "IsClose"; }
  double rtol() const { return rtol_; }
  double atol() const { return atol_; }
  bool equal_nan() const { return equal_nan_; }
  bool is_equivalent(const Primitive& o) const override;
  MLX_EW_RULES

 private:
  double rtol_, atol_;
  bool equal_nan_;
};

// Reduces a bool array to a bool scalar: true when every element is true (allclose, array_equal).
class AllTrue : public Primitive {
 public:
  explicit AllTrue(Stream s) : Primitive(s) {}
  const char* name() const override { return "AllTrue"; }
  bool is_equivalent(const Primitive& o) const override;
  MLX_EW_RULES
};

}  // namespace mlx
