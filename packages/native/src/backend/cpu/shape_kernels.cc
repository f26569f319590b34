// CPU kernels for layout primitives: views where the layout allows, copies otherwise.
#include "../../engine/backend.h"
#include "../../primitives/shape.h"
#include "copy.h"

namespace mlx::cpu {

namespace {

void as_type(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& o = out[0];
  if (in[0].dtype() == o.dtype() && in[0].flags().row_contiguous && in[0].is_donatable() &&
      in[0].data_size() == in[0].size()) {
    o.move_shared_buffer(in[0]);
    return;
  }
  o.allocate();
  copy_into(in[0], o);
}

void broadcast(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  const Array& a = in[0];
  Array& o = out[0];
  Strides st(o.ndim(), 0);
  int diff = o.ndim() - a.ndim();
  for (int i = 0; i < a.ndim(); i++) st[i + diff] = a.shape(i) == 1 ? 0 : a.strides()[i];
  ArrayFlags f = layout_flags(o.shape(), st, a.data_size());
  if (o.size() > a.size()) f.contiguous = false, f.row_contiguous = false, f.col_contiguous = false;
  o.copy_shared_buffer(a, st, f, a.data_size());
}

// Strides for viewing `a` with a new shape, or empty when the layout needs a copy.
Strides reshape_strides(const Array& a, const Shape& shape) {
  if (a.flags().row_contiguous) return row_major_strides(shape);
  // Merge input dims into groups that map onto output dims (NumPy's attempt_nocopy_reshape).
  Shape ish; Strides ist;
  for (int i = 0; i < a.ndim(); i++)
    if (a.shape(i) != 1) { ish.push_back(a.shape(i)); ist.push_back(a.strides()[i]); }
  Strides out(shape.size(), 0);
  size_t oi = 0, ii = 0;
  while (oi < shape.size() && ii < ish.size()) {
    size_t oj = oi + 1, ij = ii + 1;
    int64_t np = ish[ii], op = shape[oi];
    while (np != op) {
      if (np < op) np *= ish[ij++];
      else op *= shape[oj++];
    }
    for (size_t k = ii; k + 1 < ij; k++)
      if (ist[k] != ist[k + 1] * ish[k + 1]) return {};
    out[oj - 1] = ist[ij - 1];
    for (size_t k = oj - 1; k > oi; k--) out[k - 1] = out[k] * shape[k];
    oi = oj; ii = ij;
  }
  for (size_t k = oi; k < shape.size(); k++) out[k] = 1;  // trailing size-1 dims
  return out;
}

void reshape(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  const Array& a = in[0];
  Array& o = out[0];
  if (a.size() == 0) { o.allocate(); return; }
  Strides st = reshape_strides(a, o.shape());
  if (!st.empty()) {
    o.copy_shared_buffer(a, st, layout_flags(o.shape(), st, a.data_size()), a.data_size());
    return;
  }
  o.allocate();
  copy_to_raw(a, o.raw_data(), o.dtype(), row_major_strides(a.shape()));
}

void transpose(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& perm = static_cast<const Transpose&>(p).perm();
  const Array& a = in[0];
  Strides st(perm.size());
  for (size_t i = 0; i < perm.size(); i++) st[i] = a.strides()[perm[i]];
  out[0].copy_shared_buffer(a, st, layout_flags(out[0].shape(), st, a.data_size()), a.data_size());
}

void slice(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& sp = static_cast<const Slice&>(p);
  const Array& a = in[0];
  Array& o = out[0];
  if (o.size() == 0) { o.allocate(); return; }
  int64_t off = 0;
  Strides st(a.ndim());
  for (int i = 0; i < a.ndim(); i++) {
    off += sp.start()[i] * a.strides()[i];
    st[i] = a.strides()[i] * sp.step()[i];
  }
  ArrayFlags f = layout_flags(o.shape(), st, o.size());
  // A view spans at most the input's data; only a dense view may claim data_size == size.
  bool dense = f.row_contiguous || f.col_contiguous;
  if (!dense) f.contiguous = false;
  o.copy_shared_buffer(a, st, f, dense ? o.size() : a.data_size(), off);
}

void concatenate(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  int axis = static_cast<const Concatenate&>(p).axis();
  Array& o = out[0];
  o.allocate();
  int64_t offset = 0;
  char* base = static_cast<char*>(o.raw_data());
  for (auto& a : in) {
    copy_to_raw(a, base + offset * o.strides()[axis] * o.itemsize(), o.dtype(), o.strides());
    offset += a.shape(axis);
  }
}

void slice_update(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& sp = static_cast<const SliceUpdate&>(p);
  const Array& src = in[0];
  Array& o = out[0];
  if (src.is_donatable() && src.flags().row_contiguous && src.data_size() == src.size()) {
    o.move_shared_buffer(src);
  } else {
    o.allocate();
    copy_into(src, o);
  }
  if (in[1].size() == 0) return;
  int64_t off = 0;
  Strides st(o.ndim());
  for (int i = 0; i < o.ndim(); i++) {
    off += sp.start()[i] * o.strides()[i];
    st[i] = o.strides()[i] * sp.step()[i];
  }
  copy_to_raw(in[1], static_cast<char*>(o.raw_data()) + off * o.itemsize(), o.dtype(), st);
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, SliceUpdate, slice_update);
MLX_REGISTER_KERNEL(cpu, AsType, as_type);
MLX_REGISTER_KERNEL(cpu, Broadcast, broadcast);
MLX_REGISTER_KERNEL(cpu, Reshape, reshape);
MLX_REGISTER_KERNEL(cpu, Transpose, transpose);
MLX_REGISTER_KERNEL(cpu, Slice, slice);
MLX_REGISTER_KERNEL(cpu, Concatenate, concatenate);

}  // namespace mlx::cpu
