#include "binary.h"

namespace mlx {

const char* binary_op_name(BinaryOp op) {
  static const char* names[kNumBinaryOps] = {
      "Add", "Subtract", "Multiply", "Divide", "FloorDivide", "Remainder", "Power", "Maximum", "Minimum",
      "ArcTan2", "LogAddExp", "Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual",
      "LogicalAnd", "LogicalOr", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "LeftShift", "RightShift"};
  return names[(int)op];
}

bool Binary::is_equivalent(const Primitive& o) const {
  auto p = dynamic_cast<const Binary*>(&o);
  return p && p->op_ == op_ && p->equal_nan_ == equal_nan_;
}
bool DivMod::is_equivalent(const Primitive& o) const { return dynamic_cast<const DivMod*>(&o) != nullptr; }
bool IsClose::is_equivalent(const Primitive& o) const {
  auto p = dynamic_cast<const IsClose*>(&o);
  return p && p->rtol_ == rtol_ && p->atol_ == atol_ && p->equal_nan_ == equal_nan_;
}
bool AllTrue::is_equivalent(const Primitive& o) const { return dynamic_cast<const AllTrue*>(&o) != nullptr; }

}  // namespace mlx
