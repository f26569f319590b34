#include "shape.h"

namespace mlx {

template <typename P> static const P* same(const Primitive& o) { return dynamic_cast<const P*>(&o); }

bool AsType::is_equivalent(const Primitive& o) const { auto p = same<AsType>(o); return p && p->dtype_ == dtype_; }
bool Broadcast::is_equivalent(const Primitive& o) const { auto p = same<Broadcast>(o); return p && p->shape_ == shape_; }
bool Reshape::is_equivalent(const Primitive& o) const { auto p = same<Reshape>(o); return p && p->shape_ == shape_; }
bool Transpose::is_equivalent(const Primitive& o) const { auto p = same<Transpose>(o); return p && p->perm_ == perm_; }
bool Slice::is_equivalent(const Primitive& o) const {
  auto p = same<Slice>(o);
  return p && p->start_ == start_ && p->stop_ == stop_ && p->step_ == step_;
}
bool Concatenate::is_equivalent(const Primitive& o) const { auto p = same<Concatenate>(o); return p && p->axis_ == axis_; }

}  // namespace mlx
