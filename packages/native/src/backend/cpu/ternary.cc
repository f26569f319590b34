// CPU kernel for Select (where). Inputs arrive broadcast to the output shape, the condition as
// bool and both branches in the output dtype, so the kernel only moves bytes: it dispatches on
// the element size (4 instantiations), not the dtype.
#include <cstring>

#include "../../engine/backend.h"
#include "../../primitives/ternary.h"
#include "strided.h"

namespace mlx::cpu {

namespace {

template <typename T>
void select_row(const bool* c, const T* x, const T* y, T* o, int64_t n, const std::array<int64_t, 4>& st) {
  if (st[0] == 1 && st[1] == 1 && st[2] == 1 && st[3] == 1) {
    for (int64_t i = 0; i < n; i++) o[i] = c[i] ? x[i] : y[i];
  } else if (st[0] == 1 && st[1] == 0 && st[2] == 0 && st[3] == 1) {
    T a = x[0], b = y[0];
    for (int64_t i = 0; i < n; i++) o[i] = c[i] ? a : b;
  } else {
    for (int64_t i = 0; i < n; i++) o[i * st[3]] = c[i * st[0]] ? x[i * st[1]] : y[i * st[2]];
  }
}

template <typename T>
void select_typed(const Array& c, const Array& x, const Array& y, Array& out) {
  const bool* pc = c.data<bool>();
  const T* px = reinterpret_cast<const T*>(x.raw_data());
  const T* py = reinterpret_cast<const T*>(y.raw_data());
  auto dense_rm = [](const Array& a) { return a.flags().row_contiguous && a.data_size() == a.size(); };
  if (dense_rm(x) && x.is_donatable()) out.move_shared_buffer(x);
  else if (dense_rm(y) && y.is_donatable()) out.move_shared_buffer(y);
  else out.allocate();
  T* po = reinterpret_cast<T*>(out.raw_data());
  auto L = collapse<4>(out.shape(), {&c.strides(), &x.strides(), &y.strides(), &out.strides()});
  constexpr int64_t grain = 1 << 15;
  if (L.shape.size() == 1) {
    std::array<int64_t, 4> st{L.strides[0][0], L.strides[1][0], L.strides[2][0], L.strides[3][0]};
    parallel_for(L.shape[0], grain, [&](int64_t b, int64_t e) {
      select_row<T>(pc + b * st[0], px + b * st[1], py + b * st[2], po + b * st[3], e - b, st);
    });
    return;
  }
  parallel_rows<4>(L, [&](const std::array<int64_t, 4>& off, int64_t n, const std::array<int64_t, 4>& st) {
    select_row<T>(pc + off[0], px + off[1], py + off[2], po + off[3], n, st);
  }, grain);
}

void select_kernel(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  Array& o = out[0];
  if (o.size() == 0) { o.allocate(); return; }
  switch (o.itemsize()) {
    case 1: return select_typed<uint8_t>(in[0], in[1], in[2], o);
    case 2: return select_typed<uint16_t>(in[0], in[1], in[2], o);
    case 4: return select_typed<uint32_t>(in[0], in[1], in[2], o);
    default: return select_typed<uint64_t>(in[0], in[1], in[2], o);
  }
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, Select, select_kernel);

}  // namespace mlx::cpu
