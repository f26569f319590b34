#include "copy.h"

#include <cstring>

#include "../../engine/dispatch.h"
#include "strided.h"

namespace mlx::cpu {

namespace {

template <typename In, typename Out>
void copy_rows(const Layout<2>& L, const In* src, Out* dst) {
  parallel_rows<2>(L, [&](const std::array<int64_t, 2>& off, int64_t n, const std::array<int64_t, 2>& st) {
    const In* s = src + off[0];
    Out* d = dst + off[1];
    if (st[0] == 1 && st[1] == 1) {
      if constexpr (std::is_same_v<In, Out>) {
        std::memcpy(d, s, n * sizeof(In));
      } else {
        for (int64_t i = 0; i < n; i++) d[i] = cast_value<Out>(s[i]);
      }
    } else if (st[0] == 0) {
      Out v = cast_value<Out>(s[0]);
      for (int64_t i = 0; i < n; i++) d[i * st[1]] = v;
    } else {
      for (int64_t i = 0; i < n; i++) d[i * st[1]] = cast_value<Out>(s[i * st[0]]);
    }
  });
}

}  // namespace

void copy_to_raw(const Array& src, void* dst_ptr, Dtype dst_dtype, const Strides& dst_strides) {
  if (src.size() == 0) return;
  auto L = collapse<2>(src.shape(), {&src.strides(), &dst_strides});
  dispatch_all(src.dtype(), [&](auto in_tag) {
    using In = typename decltype(in_tag)::type;
    dispatch_all(dst_dtype, [&](auto out_tag) {
      using Out = typename decltype(out_tag)::type;
      copy_rows<In, Out>(L, src.data<In>(), static_cast<Out*>(dst_ptr));
    });
  });
}

void copy_into(const Array& src, const Array& dst) { copy_to_raw(src, dst.raw_data(), dst.dtype(), dst.strides()); }

Array contiguous(const Array& src) {
  if (src.flags().row_contiguous) return src;
  Array out = Array::empty(src.shape(), src.dtype());
  copy_into(src, out);
  return out;
}

}  // namespace mlx::cpu
