// Scan primitive: cumulative sum/prod/max/min/logaddexp along one axis. Input and output
// share a dtype (the op casts bool sums to int32 and logcumsumexp inputs to a float first).
#pragma once
#include "../engine/primitive.h"

namespace mlx {

class Scan : public Primitive {
 public:
  enum class Op : uint8_t { sum, prod, max, min, logaddexp };
  Scan(Stream s, Op op, int axis, bool reverse, bool inclusive)
      : Primitive(s), op_(op), axis_(axis), reverse_(reverse), inclusive_(inclusive) {}
  const char* name() const override;
  MLX_DECLARE_VMAP
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  MLX_DECLARE_OUTPUT_SHAPES
  bool is_equivalent(const Primitive& o) const override;
  Op op() const { return op_; }
  int axis() const { return axis_; }
  bool reverse() const { return reverse_; }
  bool inclusive() const { return inclusive_; }

 private:
  // Rules of the inclusive scan (exclusive scans shift them by one).
  Array inclusive_vjp(const Array& x, const Array& y, const Array& c);
  Array inclusive_jvp(const Array& x, const Array& t);
  Array scan_again(const Array& x, Op op, bool reverse, bool inclusive);
  Op op_;
  int axis_;
  bool reverse_, inclusive_;
};

}  // namespace mlx
