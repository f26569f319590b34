// CPU kernels for Scatter, ScatterAxis, MaskedScatter and the private update helper.
// Updates for repeated indices are applied in index order, so sums accumulate and plain
// assignment keeps the last value. Work is split only where no two threads can hit one element.
#include <cstring>

#include "../../engine/backend.h"
#include "../../primitives/indexing.h"
#include "copy.h"
#include "indexing_util.h"

namespace mlx::cpu {

namespace {

template <typename T> inline bool greater(T a, T b) {
  if constexpr (std::is_same_v<T, complex64_t>) return a.real() > b.real() || (a.real() == b.real() && a.imag() > b.imag());
  else if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) return (float)a > (float)b;
  else return a > b;
}
template <typename T> inline bool isnan_(T v) {
  if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) {
    float f = (float)v;
    return f != f;
  } else return false;
}

template <typename T, ScatterReduce R> inline void apply(T& x, T u) {
  if constexpr (R == ScatterReduce::none) x = u;
  else if constexpr (std::is_same_v<T, bool>) {
    if constexpr (R == ScatterReduce::sum || R == ScatterReduce::max) x = x || u;
    else x = x && u;
  } else if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) {
    if constexpr (R == ScatterReduce::sum) x = T((float)x + (float)u);
    else if constexpr (R == ScatterReduce::prod) x = T((float)x * (float)u);
    else if constexpr (R == ScatterReduce::max) { if (greater(u, x) || isnan_(u)) x = u; }
    else { if (greater(x, u) || isnan_(u)) x = u; }
  } else {
    if constexpr (R == ScatterReduce::sum) x = T(x + u);
    else if constexpr (R == ScatterReduce::prod) x = T(x * u);
    else if constexpr (R == ScatterReduce::max) { if (greater(u, x) || isnan_(u)) x = u; }
    else { if (greater(x, u) || isnan_(u)) x = u; }
  }
}

template <typename F> void dispatch_reduce(ScatterReduce r, F&& f) {
  switch (r) {
    case ScatterReduce::none: return f(std::integral_constant<ScatterReduce, ScatterReduce::none>{});
    case ScatterReduce::sum: return f(std::integral_constant<ScatterReduce, ScatterReduce::sum>{});
    case ScatterReduce::prod: return f(std::integral_constant<ScatterReduce, ScatterReduce::prod>{});
    case ScatterReduce::max: return f(std::integral_constant<ScatterReduce, ScatterReduce::max>{});
    case ScatterReduce::min: return f(std::integral_constant<ScatterReduce, ScatterReduce::min>{});
  }
}

// The output starts as a copy of `src` (or takes its buffer when nothing else holds it).
void init_output(const Array& src, Array& o) {
  if (src.is_donatable() && src.flags().row_contiguous && src.data_size() == src.size() && src.dtype() == o.dtype()) {
    o.move_shared_buffer(src);
  } else {
    o.allocate();
    copy_into(src, o);
  }
}

void scatter(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& outs) {
  auto& p = static_cast<const Scatter&>(prim);
  const Array& a = in[0];
  const Array& upd = in.back();
  Array& o = outs[0];
  std::vector<Array> idx(in.begin() + 1, in.end() - 1);
  const auto& axes = p.axes();
  int ind = upd.ndim() - a.ndim();
  Shape ishape(upd.shape().begin(), upd.shape().begin() + ind);
  Shape window(upd.shape().begin() + ind, upd.shape().end());
  int64_t n_idx = shape_size(ishape), wsize = shape_size(window);
  // Check before touching (or donating) anything: an error leaves every input intact.
  if (upd.size() > 0)
    for (size_t j = 0; j < idx.size(); j++) check_indices(idx[j], a.shape(axes[j]), window[axes[j]], "scatter");
  init_output(a, o);
  if (upd.size() == 0) return;
  // Fast path (a.at[idx].add(v) on elements): one contiguous int32/int64 index array and
  // contiguous updates; no offset tables.
  if (wsize == 1 && idx.size() == 1 && idx[0].flags().row_contiguous && upd.flags().row_contiguous &&
      (idx[0].dtype() == Dtype::int32 || idx[0].dtype() == Dtype::int64)) {
    int64_t dim = o.shape(axes[0]), st = o.strides()[axes[0]];
    dispatch_all(o.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* out = o.data<T>();
      const T* u = upd.data<T>();
      dispatch_reduce(p.reduce(), [&](auto rt) {
        constexpr ScatterReduce R = decltype(rt)::value;
        auto run = [&](auto* q) {
          for (int64_t i = 0; i < n_idx; i++) apply<T, R>(out[wrap_index(q[i], dim) * st], u[i]);
        };
        if (idx[0].dtype() == Dtype::int32) run(idx[0].data<int32_t>());
        else run(idx[0].data<int64_t>());
      });
    });
    return;
  }
  auto offs = index_offsets(idx, axes, o.shape(), o.strides(), n_idx);
  Strides ust(upd.strides().begin(), upd.strides().begin() + ind);
  auto uoffs = strided_offsets(ishape, ust);
  Strides uwst(upd.strides().begin() + ind, upd.strides().end());
  auto WL = collapse<2>(window, {&o.strides(), &uwst});
  int64_t wrows = outer_rows(WL.shape);
  // Threads may split the window only when no two index positions can overlap on another
  // position's window element: true when every indexed axis has window size 1.
  bool split_window = wsize >= (1 << 12);
  for (int ax : axes) split_window = split_window && window[ax] == 1;
  dispatch_all(o.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = o.data<T>();
    const T* u = upd.data<T>();
    dispatch_reduce(p.reduce(), [&](auto rt) {
      constexpr ScatterReduce R = decltype(rt)::value;
      if (wsize == 1) {
        for (int64_t i = 0; i < n_idx; i++) apply<T, R>(out[offs[i]], u[uoffs[i]]);
        return;
      }
      auto run_rows = [&](int64_t rb, int64_t re) {
        for (int64_t i = 0; i < n_idx; i++) {
          T* d = out + offs[i];
          const T* s = u + uoffs[i];
          for_each_row<2>(WL, rb, re, [&](const std::array<int64_t, 2>& off, int64_t len,
                                          const std::array<int64_t, 2>& st) {
            T* dd = d + off[0];
            const T* ss = s + off[1];
            if (st[0] == 1 && st[1] == 1) for (int64_t k = 0; k < len; k++) apply<T, R>(dd[k], ss[k]);
            else for (int64_t k = 0; k < len; k++) apply<T, R>(dd[k * st[0]], ss[k * st[1]]);
          });
        }
      };
      if (split_window && wrows > 1) {
        parallel_for(wrows, std::max<int64_t>(1, (1 << 14) / WL.shape.back()), run_rows);
      } else if (split_window) {
        // One long window row: split it by element ranges instead.
        int64_t len = WL.shape.back(), s0 = WL.strides[0].back(), s1 = WL.strides[1].back();
        parallel_for(len, 1 << 14, [&](int64_t b, int64_t e) {
          for (int64_t i = 0; i < n_idx; i++) {
            T* d = out + offs[i];
            const T* s = u + uoffs[i];
            for (int64_t k = b; k < e; k++) apply<T, R>(d[k * s0], s[k * s1]);
          }
        });
      } else {
        run_rows(0, wrows);
      }
    });
  });
}

void scatter_axis(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& outs) {
  auto& p = static_cast<const ScatterAxis&>(prim);
  int axis = p.axis();
  const Array& a = in[0];
  const Array& idx = in[1];
  const Array& upd = in[2];
  Array& o = outs[0];
  if (idx.size() > 0) check_indices(idx, a.shape(axis), 1, "put_along_axis");
  init_output(a, o);
  if (idx.size() == 0) return;
  int64_t dim = a.shape(axis);
  int64_t ostride = o.strides()[axis];
  // Positions that differ outside `axis` never collide: parallel over the leading dims.
  Shape outer(idx.shape().begin(), idx.shape().begin() + axis);
  Shape inner(idx.shape().begin() + axis, idx.shape().end());
  int64_t n_outer = shape_size(outer);
  Strides ost = o.strides();
  ost[axis] = 0;
  Strides ost_in(ost.begin() + axis, ost.end()), ist_in(idx.strides().begin() + axis, idx.strides().end()),
      ust_in(upd.strides().begin() + axis, upd.strides().end());
  auto L = collapse<3>(inner, {&ost_in, &ist_in, &ust_in});
  auto o_out = strided_offsets(outer, Strides(o.strides().begin(), o.strides().begin() + axis));
  auto i_out = strided_offsets(outer, Strides(idx.strides().begin(), idx.strides().begin() + axis));
  auto u_out = strided_offsets(outer, Strides(upd.strides().begin(), upd.strides().begin() + axis));
  int64_t grain = std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, shape_size(inner)));
  dispatch_all(o.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = o.data<T>();
    const T* u = upd.data<T>();
    dispatch_index(idx.dtype(), [&](auto it) {
      using I = typename decltype(it)::type;
      const I* ip = idx.data<I>();
      auto body = [&](auto rt) {
        constexpr ScatterReduce R = decltype(rt)::value;
        parallel_for(n_outer, grain, [&](int64_t b, int64_t e) {
          for (int64_t j = b; j < e; j++) {
            for_each_row<3>(L, 0, outer_rows(L.shape), [&](const std::array<int64_t, 3>& off, int64_t len,
                                                           const std::array<int64_t, 3>& st) {
              T* d = out + o_out[j] + off[0];
              const I* q = ip + i_out[j] + off[1];
              const T* s = u + u_out[j] + off[2];
              for (int64_t k = 0; k < len; k++)
                apply<T, R>(d[k * st[0] + wrap_index(q[k * st[1]], dim) * ostride], s[k * st[2]]);
            });
          }
        });
      };
      if (p.reduce() == ScatterReduce::sum) body(std::integral_constant<ScatterReduce, ScatterReduce::sum>{});
      else body(std::integral_constant<ScatterReduce, ScatterReduce::none>{});
    });
  });
}

void masked_scatter(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& outs) {
  const Array& a = in[0];
  Array mask = contiguous(in[1]);
  const Array& src = in[2];
  Array& o = outs[0];
  int64_t m = mask.size(), inner = m > 0 ? a.size() / std::max<int64_t>(m, 1) : 0;
  const bool* mk = mask.data<bool>();
  int64_t count = 0;
  for (int64_t i = 0; i < m; i++) count += mk[i];
  if (count > src.shape(0))
    throw_error(ErrorCode::shape, "[masked_scatter] The mask selects " + std::to_string(count) +
                                      " positions but the value provides only " + std::to_string(src.shape(0)) + ".");
  init_output(a, o);
  if (count == 0 || inner == 0) return;
  // Rows of src, in order, go to the selected positions; src may be a broadcast view.
  Strides row_st(src.strides().begin() + 1, src.strides().end());
  Shape row_shape(src.shape().begin() + 1, src.shape().end());
  auto roffs = strided_offsets(row_shape, row_st);
  std::vector<int64_t> dst_rows, src_rows;
  dst_rows.reserve(count);
  for (int64_t i = 0, r = 0; i < m; i++)
    if (mk[i]) { dst_rows.push_back(i * inner); src_rows.push_back(r++ * src.strides()[0]); }
  dispatch_all(o.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = o.data<T>();
    const T* s = src.data<T>();
    parallel_for(count, std::max<int64_t>(1, (1 << 14) / inner), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; r++)
        for (int64_t k = 0; k < inner; k++) out[dst_rows[r] + k] = s[src_rows[r] + roffs[k]];
    });
  });
}

void index_update_unary(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& outs) {
  auto op = static_cast<const IndexUpdateUnary&>(prim).op();
  const Array& x = in[0];
  Array& o = outs[0];
  o.allocate();
  Array c = contiguous(x);  // small: the update values of an indexed op
  int64_t n = x.size();
  if (op == IndexUpdateUnary::negative) {
    dispatch_all(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* s = c.data<T>();
      T* d = o.data<T>();
      for (int64_t i = 0; i < n; i++) {
        if constexpr (std::is_same_v<T, bool>) d[i] = s[i];
        else if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) d[i] = T(-(float)s[i]);
        else d[i] = T(-s[i]);
      }
    });
    return;
  }
  dispatch_all(x.dtype(), [&](auto tag) {
    using S = typename decltype(tag)::type;
    const S* s = c.data<S>();
    dispatch_all(o.dtype(), [&](auto otag) {
      using T = typename decltype(otag)::type;
      if constexpr (std::is_same_v<T, complex64_t>) {
        T* d = o.data<T>();
        for (int64_t i = 0; i < n; i++) d[i] = complex64_t(1.0f, 0.0f) / cast_value<complex64_t>(s[i]);
      } else if constexpr (std::is_same_v<T, double>) {
        T* d = o.data<T>();
        for (int64_t i = 0; i < n; i++) d[i] = 1.0 / cast_value<double>(s[i]);
      } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) {
        T* d = o.data<T>();
        for (int64_t i = 0; i < n; i++) d[i] = T(1.0f / cast_value<float>(s[i]));
      }
    });
  });
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, Scatter, scatter);
MLX_REGISTER_KERNEL(cpu, ScatterAxis, scatter_axis);
MLX_REGISTER_KERNEL(cpu, MaskedScatter, masked_scatter);
MLX_REGISTER_KERNEL(cpu, IndexUpdateUnary, index_update_unary);

}  // namespace mlx::cpu
