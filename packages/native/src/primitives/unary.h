// Elementwise unary primitives: one parameterised `Unary` node with an op enum. All share
// one CPU kernel entry (registered by C++ type), which dispatches on op() and dtype.
#pragma once
#include "../engine/primitive.h"
#include "ew_rules.h"

namespace mlx {

#define MLX_UNARY_OPS(X)                                                                            \
  X(Abs) X(Negative) X(Sign) X(Sqrt) X(Rsqrt) X(Square) X(Reciprocal) X(Exp) X(Expm1) X(Log) X(Log2) \
  X(Log10) X(Log1p) X(Sin) X(Cos) X(Tan) X(ArcSin) X(ArcCos) X(ArcTan) X(Sinh) X(Cosh) X(Tanh)     \
  X(ArcSinh) X(ArcCosh) X(ArcTanh) X(Sigmoid) X(Erf) X(ErfInv) X(Floor) X(Ceil) X(Round) X(IsNan)   \
  X(IsInf) X(IsFinite) X(IsPosInf) X(IsNegInf) X(LogicalNot) X(BitwiseInvert) X(Degrees) X(Radians) \
  X(Conjugate) X(Real) X(Imag) X(NanToNum) X(StopGradient)

#define MLX_UNARY_ENUM(N) N,
enum class UnaryOp : int { MLX_UNARY_OPS(MLX_UNARY_ENUM) kCount };
#undef MLX_UNARY_ENUM
constexpr int kNumUnaryOps = (int)UnaryOp::kCount;

const char* unary_op_name(UnaryOp op);

// Parameters: Round uses p[0] = scale (10^decimals) and p[1] = 1/scale (0 decimals: plain
// rounding); NanToNum uses p = {nan, posinf, neginf} already cast to the array's dtype.
struct UnaryParams {
  float p[3] = {0, 0, 0};
  int decimals = 0;
  bool operator==(const UnaryParams& o) const {
    return p[0] == o.p[0] && p[1] == o.p[1] && p[2] == o.p[2] && decimals == o.decimals;
  }
};

class Unary : public Primitive {
 public:
  Unary(Stream s, UnaryOp op, UnaryParams params = {}) : Primitive(s), op_(op), params_(params) {}
  const char* name() const override { return unary_op_name(op_); }
  UnaryOp op() const { return op_; }
  const UnaryParams& params() const { return params_; }
  bool is_equivalent(const Primitive& o) const override;
  MLX_EW_RULES

 private:
  UnaryOp op_;
  UnaryParams params_;
};

}  // namespace mlx
