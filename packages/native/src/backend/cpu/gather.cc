// CPU kernels for Gather and GatherAxis. Values are moved as raw 1/2/4/8-byte words, so the
// element type only matters through its size (bounded instantiation: index type x word size).
#include <cstring>

#include "../../engine/backend.h"
#include "../../primitives/indexing.h"
#include "indexing_util.h"

namespace mlx::cpu {

namespace {

template <typename F> void dispatch_word(int size, F&& f) {
  switch (size) {
    case 1: return f(TypeTag<uint8_t>{});
    case 2: return f(TypeTag<uint16_t>{});
    case 4: return f(TypeTag<uint32_t>{});
    case 8: return f(TypeTag<uint64_t>{});
  }
  throw_error(ErrorCode::internal, "[gather] Unsupported element size.");
}

// out[i] = src[wrap(idx[i]) * stride] for a contiguous 1-element-window gather on one axis.
template <typename W, typename I>
void gather_elements(const W* src, const I* idx, W* dst, int64_t n, int64_t dim, int64_t stride) {
  parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) dst[i] = src[wrap_index(idx[i], dim) * stride];
  });
}

void gather(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& outs) {
  auto& p = static_cast<const Gather&>(prim);
  const Array& a = in[0];
  Array& o = outs[0];
  std::vector<Array> idx(in.begin() + 1, in.end());
  const auto& axes = p.axes();
  const Shape& sizes = p.slice_sizes();
  if (o.size() == 0) { o.allocate(); return; }
  for (size_t j = 0; j < idx.size(); j++) check_indices(idx[j], a.shape(axes[j]), sizes[axes[j]], "gather");
  o.allocate();
  int ind = o.ndim() - a.ndim();
  Shape ishape(o.shape().begin(), o.shape().begin() + ind);
  int64_t n_idx = shape_size(ishape);
  int64_t wsize = shape_size(sizes);
  int esz = a.itemsize();

  // Fast path: one contiguous index array, element windows (take on a 1-D view, a[idx]).
  if (idx.size() == 1 && wsize == 1 && idx[0].flags().row_contiguous) {
    dispatch_word(esz, [&](auto wt) {
      using W = typename decltype(wt)::type;
      dispatch_index(idx[0].dtype(), [&](auto it) {
        using I = typename decltype(it)::type;
        gather_elements<W, I>(static_cast<const W*>(a.raw_data()), idx[0].data<I>(), static_cast<W*>(o.raw_data()),
                              n_idx, a.shape(axes[0]), a.strides()[axes[0]]);
      });
    });
    return;
  }

  auto offs = index_offsets(idx, axes, a.shape(), a.strides(), n_idx);
  Strides wdst = row_major_strides(sizes);
  auto WL = collapse<2>(sizes, {&a.strides(), &wdst});
  bool dense_window = WL.shape.size() == 1 && WL.strides[0][0] == 1;
  dispatch_word(esz, [&](auto wt) {
    using W = typename decltype(wt)::type;
    const W* src = static_cast<const W*>(a.raw_data());
    W* dst = static_cast<W*>(o.raw_data());
    int64_t grain = std::max<int64_t>(1, (1 << 14) / wsize);
    parallel_for(n_idx, grain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; i++) {
        const W* s = src + offs[i];
        W* d = dst + i * wsize;
        if (wsize == 1) { *d = *s; continue; }
        if (dense_window) { std::memcpy(d, s, wsize * sizeof(W)); continue; }
        for_each_row<2>(WL, 0, outer_rows(WL.shape), [&](const std::array<int64_t, 2>& off, int64_t len,
                                                         const std::array<int64_t, 2>& st) {
          const W* ss = s + off[0];
          W* dd = d + off[1];
          for (int64_t k = 0; k < len; k++) dd[k * st[1]] = ss[k * st[0]];
        });
      }
    });
  });
}

void gather_axis(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& outs) {
  int axis = static_cast<const GatherAxis&>(prim).axis();
  const Array& a = in[0];
  const Array& idx = in[1];
  Array& o = outs[0];
  if (o.size() == 0) { o.allocate(); return; }
  check_indices(idx, a.shape(axis), 1, "take_along_axis");
  o.allocate();
  // Iterate the output; a's stride along `axis` is applied through the index value.
  Strides ast = a.strides();
  int64_t astride = ast[axis];
  int64_t dim = a.shape(axis);
  ast[axis] = 0;
  auto L = collapse<3>(o.shape(), {&o.strides(), &ast, &idx.strides()});
  dispatch_word(a.itemsize(), [&](auto wt) {
    using W = typename decltype(wt)::type;
    const W* src = static_cast<const W*>(a.raw_data());
    W* dst = static_cast<W*>(o.raw_data());
    dispatch_index(idx.dtype(), [&](auto it) {
      using I = typename decltype(it)::type;
      const I* ip = idx.data<I>();
      parallel_rows<3>(L, [&](const std::array<int64_t, 3>& off, int64_t len, const std::array<int64_t, 3>& st) {
        W* d = dst + off[0];
        const W* s = src + off[1];
        const I* q = ip + off[2];
        for (int64_t k = 0; k < len; k++) d[k * st[0]] = s[k * st[1] + wrap_index(q[k * st[2]], dim) * astride];
      }, 1 << 14);
    });
  });
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, Gather, gather);
MLX_REGISTER_KERNEL(cpu, GatherAxis, gather_axis);

}  // namespace mlx::cpu
