#include "sort.h"

#include "../ops/shape.h"

namespace mlx {

bool SortBase::is_equivalent(const Primitive& o) const {
  if (std::string(name()) != o.name()) return false;
  auto p = static_cast<const SortBase*>(&o);
  return p->axis_ == axis_ && p->kth_ == kth_;
}

// The batch axis stays where it is; the sort axis moves right when the batch axis precedes it.
std::pair<std::vector<Array>, std::vector<int>> SortBase::vmap(const std::vector<Array>& in,
                                                               const std::vector<int>& ax) {
  int b = ax[0];
  if (b < 0) return {{remake(in[0], axis_)}, {-1}};
  return {{remake(in[0], axis_ + (b <= axis_ ? 1 : 0))}, {b}};
}

Array Sort::remake(const Array& x, int axis) const {
  return Array(x.shape(), x.dtype(), std::make_shared<Sort>(stream(), axis), {x});
}
Array ArgSort::remake(const Array& x, int axis) const {
  return Array(x.shape(), Dtype::uint32, std::make_shared<ArgSort>(stream(), axis), {x});
}
Array Partition::remake(const Array& x, int axis) const {
  return Array(x.shape(), x.dtype(), std::make_shared<Partition>(stream(), kth_, axis), {x});
}
Array ArgPartition::remake(const Array& x, int axis) const {
  return Array(x.shape(), Dtype::uint32, std::make_shared<ArgPartition>(stream(), kth_, axis), {x});
}

// Indices are piecewise constant in the input: their tangent is zero.
static std::vector<Array> zero_index_tangent(const Array& x) {
  return {full(x.shape(), Array::scalar(0.0, Dtype::uint32), Dtype::uint32)};
}
std::vector<Array> ArgSort::jvp(const std::vector<Array>& p, const std::vector<Array>&, const std::vector<int>&) {
  return zero_index_tangent(p[0]);
}
std::vector<Array> ArgPartition::jvp(const std::vector<Array>& p, const std::vector<Array>&, const std::vector<int>&) {
  return zero_index_tangent(p[0]);
}

}  // namespace mlx

// ---- gradients of the value sorts: the output is a permutation of the input ----
#include "../ops/creation.h"
#include "../ops/indexing.h"
#include "../ops/sort.h"

namespace mlx {

std::vector<Shape> SortBase::output_shapes(const std::vector<Array>& in) { return {in[0].shape()}; }

namespace {
using V = std::vector<Array>;
// Scatters the cotangent back through the permutation that produced the output.
Array unpermute(const Array& x, const Array& perm, const Array& c, int axis, Stream s) {
  return put_along_axis(zeros(x.shape(), c.dtype(), s), perm, c, axis, s);
}
}  // namespace

V Sort::vjp(const V& p, const V& cot, const std::vector<int>&, const V&) {
  return {unpermute(p[0], argsort(p[0], axis_, stream()), cot[0], axis_, stream())};
}
V Sort::jvp(const V& p, const V& tan, const std::vector<int>&) {
  return {take_along_axis(tan[0], argsort(p[0], axis_, stream()), axis_, stream())};
}
V Partition::vjp(const V& p, const V& cot, const std::vector<int>&, const V&) {
  return {unpermute(p[0], argpartition(p[0], kth_, axis_, stream()), cot[0], axis_, stream())};
}
V Partition::jvp(const V& p, const V& tan, const std::vector<int>&) {
  return {take_along_axis(tan[0], argpartition(p[0], kth_, axis_, stream()), axis_, stream())};
}
V ArgSort::vjp(const V& p, const V&, const std::vector<int>&, const V&) { return {zeros_like(p[0], stream())}; }
V ArgPartition::vjp(const V& p, const V&, const std::vector<int>&, const V&) { return {zeros_like(p[0], stream())}; }

}  // namespace mlx
