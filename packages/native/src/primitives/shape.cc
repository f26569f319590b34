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

// ---- transform rules ----
#include <numeric>

#include "../ops/reduce.h"
#include "../ops/shape.h"

namespace mlx {

namespace {
using V = std::vector<Array>;
// Linear primitives: the jvp applies the same primitive to the tangent.
V same_op_on(const std::shared_ptr<Primitive>& p, const Array& like, const Array& t) {
  return {Array(like.shape(), like.dtype(), p, {t})};
}
}  // namespace

bool SliceUpdate::is_equivalent(const Primitive& o) const {
  auto p = dynamic_cast<const SliceUpdate*>(&o);
  return p && p->start_ == start_ && p->stop_ == stop_ && p->step_ == step_;
}

V AsType::vjp(const V& primals, const V& cot, const std::vector<int>&, const V&) {
  return {astype(cot[0], primals[0].dtype(), stream())};
}
V AsType::jvp(const V& primals, const V& tan, const std::vector<int>&) { return {astype(tan[0], dtype_, stream())}; }

V Broadcast::vjp(const V& primals, const V& cot, const std::vector<int>&, const V&) {
  const Array& in = primals[0];
  int diff = (int)shape_.size() - in.ndim();
  std::vector<int> axes;
  for (int i = 0; i < (int)shape_.size(); i++)
    if (i < diff || (in.shape(i - diff) == 1 && shape_[i] != 1)) axes.push_back(i);
  Array g = axes.empty() ? cot[0] : sum(cot[0], Axes(axes), true, stream());
  return {reshape(g, in.shape(), stream())};
}
V Broadcast::jvp(const V& primals, const V& tan, const std::vector<int>&) { return {broadcast_to(tan[0], shape_, stream())}; }

V Reshape::vjp(const V& primals, const V& cot, const std::vector<int>&, const V&) {
  return {reshape(cot[0], primals[0].shape(), stream())};
}
V Reshape::jvp(const V& primals, const V& tan, const std::vector<int>&) { return {reshape(tan[0], shape_, stream())}; }

V Transpose::vjp(const V& primals, const V& cot, const std::vector<int>&, const V&) {
  std::vector<int> inv(perm_.size());
  for (size_t i = 0; i < perm_.size(); i++) inv[perm_[i]] = (int)i;
  return {transpose(cot[0], inv, stream())};
}
V Transpose::jvp(const V& primals, const V& tan, const std::vector<int>&) { return {transpose(tan[0], perm_, stream())}; }

V Slice::vjp(const V& primals, const V& cot, const std::vector<int>&, const V&) {
  const Array& in = primals[0];
  Array zeros = full(in.shape(), Array::scalar(0.0, cot[0].dtype()), cot[0].dtype(), stream());
  return {slice_update(zeros, cot[0], start_, stop_, step_, stream())};
}
V Slice::jvp(const V& primals, const V& tan, const std::vector<int>&) {
  return {slice(tan[0], start_, stop_, step_, stream())};
}

V Concatenate::vjp(const V& primals, const V& cot, const std::vector<int>& argnums, const V&) {
  Shape idx;
  int64_t off = 0;
  for (size_t i = 0; i + 1 < primals.size(); i++) idx.push_back(off += primals[i].shape(axis_));
  auto parts = split(cot[0], idx, axis_, stream());
  V out;
  for (int a : argnums) out.push_back(parts[a]);
  return out;
}
V Concatenate::jvp(const V& primals, const V& tan, const std::vector<int>& argnums) {
  V parts;
  for (size_t i = 0, k = 0; i < primals.size(); i++) {
    if (k < argnums.size() && argnums[k] == (int)i) parts.push_back(tan[k++]);
    else parts.push_back(full(primals[i].shape(), Array::scalar(0.0, primals[i].dtype()), primals[i].dtype(), stream()));
  }
  return {concatenate(parts, axis_, stream())};
}

V SliceUpdate::vjp(const V& primals, const V& cot, const std::vector<int>& argnums, const V&) {
  V out;
  for (int a : argnums) {
    if (a == 0) {
      Array z = full(primals[1].shape(), Array::scalar(0.0, cot[0].dtype()), cot[0].dtype(), stream());
      out.push_back(slice_update(cot[0], z, start_, stop_, step_, stream()));
    } else {
      out.push_back(slice(cot[0], start_, stop_, step_, stream()));
    }
  }
  return out;
}
V SliceUpdate::jvp(const V& primals, const V& tan, const std::vector<int>& argnums) {
  Array t0 = argnums[0] == 0 ? tan[0] : full(primals[0].shape(), Array::scalar(0.0, primals[0].dtype()), primals[0].dtype(), stream());
  Array t1 = argnums.back() == 1 ? tan.back() : full(primals[1].shape(), Array::scalar(0.0, primals[1].dtype()), primals[1].dtype(), stream());
  return {slice_update(t0, t1, start_, stop_, step_, stream())};
}

}  // namespace mlx

// ---- vmap rules: batch axes are moved to the front, unmapped inputs broadcast ----
#include "vmap_util.h"

namespace mlx {

using VM = std::pair<std::vector<Array>, std::vector<int>>;

VM AsType::vmap(const std::vector<Array>& in, const std::vector<int>& ax) { return {{astype(in[0], dtype_, stream())}, {ax[0]}}; }

VM Broadcast::vmap(const std::vector<Array>& in, const std::vector<int>& ax) {
  Array x = batch_to_front(in[0], ax[0]);
  Shape s = x.shape();
  s.insert(s.begin() + 1, shape_.size() + 1 - x.ndim(), 1);  // right-align the example dims
  Shape target{x.shape(0)};
  target.insert(target.end(), shape_.begin(), shape_.end());
  return {{broadcast_to(reshape(x, s, stream()), target, stream())}, {0}};
}

VM Reshape::vmap(const std::vector<Array>& in, const std::vector<int>& ax) {
  Array x = batch_to_front(in[0], ax[0]);
  Shape s{x.shape(0)};
  s.insert(s.end(), shape_.begin(), shape_.end());
  return {{reshape(x, s, stream())}, {0}};
}

VM Transpose::vmap(const std::vector<Array>& in, const std::vector<int>& ax) {
  Array x = batch_to_front(in[0], ax[0]);
  std::vector<int> perm{0};
  for (int p : perm_) perm.push_back(p + 1);
  return {{transpose(x, perm, stream())}, {0}};
}

VM Slice::vmap(const std::vector<Array>& in, const std::vector<int>& ax) {
  Shape b = start_, e = stop_, st = step_;
  int a = ax[0];
  b.insert(b.begin() + a, 0);
  e.insert(e.begin() + a, in[0].shape(a));
  st.insert(st.begin() + a, 1);
  return {{slice(in[0], b, e, st, stream())}, {a}};
}

VM Concatenate::vmap(const std::vector<Array>& in, const std::vector<int>& ax) {
  int64_t B = batch_size(in, ax);
  std::vector<Array> xs;
  for (size_t i = 0; i < in.size(); i++) xs.push_back(batch_to_front(in[i], ax[i], B));
  return {{concatenate(xs, axis_ + 1, stream())}, {0}};
}

VM SliceUpdate::vmap(const std::vector<Array>& in, const std::vector<int>& ax) {
  int64_t B = batch_size(in, ax);
  Array src = batch_to_front(in[0], ax[0], B), upd = batch_to_front(in[1], ax[1], B);
  Shape b = start_, e = stop_, st = step_;
  b.insert(b.begin(), 0);
  e.insert(e.begin(), B);
  st.insert(st.begin(), 1);
  return {{slice_update(src, upd, b, e, st, stream())}, {0}};
}

}  // namespace mlx

namespace mlx {

std::vector<Shape> AsType::output_shapes(const std::vector<Array>& in) { return {in[0].shape()}; }
std::vector<Shape> Transpose::output_shapes(const std::vector<Array>& in) {
  Shape s;
  for (int p : perm_) s.push_back(in[0].shape(p));
  return {s};
}

}  // namespace mlx
