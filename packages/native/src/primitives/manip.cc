#include "manip.h"

#include <numeric>

#include "../ops/binary.h"
#include "../ops/creation.h"
#include "../ops/indexing.h"
#include "../ops/manip.h"
#include "vmap_util.h"

namespace mlx {

using V = std::vector<Array>;
using VM = std::pair<std::vector<Array>, std::vector<int>>;

void AsStrided::share_view(Array& out, const Array& x) const {
  ArrayFlags f = layout_flags(out.shape(), strides_, -1);
  bool dense = f.row_contiguous || f.col_contiguous;
  f.contiguous = dense;
  out.copy_shared_buffer(x, strides_, f, dense ? out.size() : x.data_size() - offset_, offset_);
}

bool AsStrided::is_equivalent(const Primitive& o) const {
  auto p = dynamic_cast<const AsStrided*>(&o);
  return p && p->shape_ == shape_ && p->strides_ == strides_ && p->offset_ == offset_;
}
bool View::is_equivalent(const Primitive& o) const {
  auto p = dynamic_cast<const View*>(&o);
  return p && p->dtype_ == dtype_;
}
bool Hadamard::is_equivalent(const Primitive& o) const {
  auto p = dynamic_cast<const Hadamard*>(&o);
  return p && p->scale_ == scale_ && p->transposed_ == transposed_;
}

// The input is the flattened array: the cotangent scatters back (adding where the view overlaps).
V AsStrided::vjp(const V& primals, const V& cot, const std::vector<int>&, const V&) {
  const Array& in = primals[0];
  Array g = cot[0];
  int64_t size = g.size();
  Array idx = Array::empty({size}, Dtype::int64);
  auto* p = idx.data<int64_t>();
  int nd = (int)shape_.size();
  std::vector<int64_t> pos(nd, 0);
  for (int64_t i = 0; i < size; i++) {
    int64_t off = offset_;
    for (int d = 0; d < nd; d++) off += pos[d] * strides_[d];
    p[i] = off;
    for (int d = nd - 1; d >= 0; d--) {
      if (++pos[d] < shape_[d]) break;
      pos[d] = 0;
    }
  }
  Array z = zeros(in.shape(), g.dtype(), stream());
  return {scatter_add_axis(z, idx, reshape(g, {size}, stream()), 0, stream())};
}
V AsStrided::jvp(const V& primals, const V& tan, const std::vector<int>&) {
  return {as_strided(tan[0], shape_, strides_, offset_, stream())};
}
VM AsStrided::vmap(const V& in, const std::vector<int>& ax) {
  Array x = batch_to_front(in[0], ax[0]);  // [B, n]
  Shape sh{x.shape(0)};
  sh.insert(sh.end(), shape_.begin(), shape_.end());
  Strides st{x.shape(1)};
  st.insert(st.end(), strides_.begin(), strides_.end());
  return {{as_strided(x, sh, st, offset_, stream())}, {0}};
}

VM View::vmap(const V& in, const std::vector<int>& ax) {
  // The last axis changes length, so the batch axis must not be it.
  Array x = batch_to_front(in[0], ax[0]);
  return {{view(x, dtype_, stream())}, {0}};
}

V Hadamard::vjp(const V& primals, const V& cot, const std::vector<int>&, const V&) {
  return {Array(cot[0].shape(), cot[0].dtype(), std::make_shared<Hadamard>(stream(), scale_, !transposed_), {cot[0]})};
}
V Hadamard::jvp(const V& primals, const V& tan, const std::vector<int>&) {
  return {Array(tan[0].shape(), tan[0].dtype(), std::make_shared<Hadamard>(stream(), scale_, transposed_), {tan[0]})};
}
VM Hadamard::vmap(const V& in, const std::vector<int>& ax) {
  Array x = in[0];
  int a = ax[0];
  if (x.ndim() == 1) return {{multiply(x, Array::scalar(scale_, x.dtype()), stream())}, {a}};  // batch of scalars
  if (a == x.ndim() - 1) { x = batch_to_front(x, a); a = 0; }
  return {{Array(x.shape(), x.dtype(), std::make_shared<Hadamard>(stream(), scale_, transposed_), {x})}, {a}};
}

}  // namespace mlx
