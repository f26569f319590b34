#include "unary.h"

namespace mlx {

const char* unary_op_name(UnaryOp op) {
#define MLX_UNARY_NAME(N) #N,
  static const char* names[] = {MLX_UNARY_OPS(MLX_UNARY_NAME)};
#undef MLX_UNARY_NAME
  int i = (int)op;
  return i >= 0 && i < kNumUnaryOps ? names[i] : "Unary";
}

bool Unary::is_equivalent(const Primitive& o) const {
  auto p = dynamic_cast<const Unary*>(&o);
  return p && p->op_ == op_ && p->params_ == params_;
}

}  // namespace mlx
