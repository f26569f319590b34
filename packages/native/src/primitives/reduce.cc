#include "reduce.h"

namespace mlx {

template <typename P> static const P* same(const Primitive& o) { return dynamic_cast<const P*>(&o); }

bool Reduce::is_equivalent(const Primitive& o) const { auto p = same<Reduce>(o); return p && p->op_ == op_ && p->axes_ == axes_; }
bool Variance::is_equivalent(const Primitive& o) const {
  auto p = same<Variance>(o);
  return p && p->axes_ == axes_ && p->ddof_ == ddof_ && p->sqrt_ == sqrt_;
}
bool ArgReduce::is_equivalent(const Primitive& o) const { auto p = same<ArgReduce>(o); return p && p->op_ == op_ && p->axis_ == axis_; }
bool Softmax::is_equivalent(const Primitive& o) const { auto p = same<Softmax>(o); return p && p->precise_ == precise_; }
bool LogSumExp::is_equivalent(const Primitive& o) const { return same<LogSumExp>(o) != nullptr; }

}  // namespace mlx
