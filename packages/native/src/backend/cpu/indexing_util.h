// Shared by the gather and scatter kernels: index dtype dispatch, range checks that run before
// any output is written (errors must not escape worker threads), and flat offset computation.
#pragma once
#include <atomic>
#include <mutex>
#include <string>

#include "../../engine/dispatch.h"
#include "strided.h"

namespace mlx::cpu {

template <typename F> decltype(auto) dispatch_index(Dtype dt, F&& f) {
  switch (dt) {
    case Dtype::uint8: return f(TypeTag<uint8_t>{});
    case Dtype::uint16: return f(TypeTag<uint16_t>{});
    case Dtype::uint32: return f(TypeTag<uint32_t>{});
    case Dtype::uint64: return f(TypeTag<uint64_t>{});
    case Dtype::int8: return f(TypeTag<int8_t>{});
    case Dtype::int16: return f(TypeTag<int16_t>{});
    case Dtype::int32: return f(TypeTag<int32_t>{});
    case Dtype::int64: return f(TypeTag<int64_t>{});
    default: break;
  }
  throw_error(ErrorCode::dtype, std::string("Indices must be integral, got ") + dtype_name(dt) + ".");
}

// Wraps a negative index like MLX (i + n).
template <typename I> inline int64_t wrap_index(I v, int64_t n) {
  if constexpr (std::is_signed_v<I>) return v < 0 ? (int64_t)v + n : (int64_t)v;
  else return (int64_t)v;
}

// Throws an IndexError unless every index i satisfies 0 <= wrap(i) <= n - window.
inline void check_indices(const Array& idx, int64_t n, int64_t window, const char* op) {
  if (idx.size() == 0) return;
  int64_t hi = n - window;
  auto L = collapse<1>(idx.shape(), {&idx.strides()});
  std::atomic<bool> bad{false};
  std::mutex mu;
  int64_t bad_value = 0;
  dispatch_index(idx.dtype(), [&](auto tag) {
    using I = typename decltype(tag)::type;
    const I* p = idx.data<I>();
    parallel_rows<1>(L, [&](const std::array<int64_t, 1>& off, int64_t len, const std::array<int64_t, 1>& st) {
      if (bad.load(std::memory_order_relaxed)) return;
      const I* q = p + off[0];
      bool any = false;
      int64_t first = 0;
      for (int64_t i = 0; i < len; i++) {
        int64_t w = wrap_index(q[i * st[0]], n);
        if (w < 0 || w > hi) { any = true; first = (int64_t)q[i * st[0]]; break; }
      }
      if (any) {
        std::lock_guard<std::mutex> lk(mu);
        if (!bad.exchange(true)) bad_value = first;
      }
    }, 1 << 16);
  });
  if (bad)
    throw_error(ErrorCode::index, std::string("[") + op + "] Index " + std::to_string(bad_value) +
                                      " is out of bounds for axis with size " + std::to_string(n) +
                                      (window > 1 ? " and slice size " + std::to_string(window) : std::string()) + ".");
}

// offs[i] (+)= wrap(idx[i]) * stride for every position i of idx in row-major order.
inline void accumulate_offsets(const Array& idx, int64_t n, int64_t stride, std::vector<int64_t>& offs, bool first) {
  if (idx.size() == 0) return;
  Strides dst = row_major_strides(idx.shape());
  auto L = collapse<2>(idx.shape(), {&idx.strides(), &dst});
  dispatch_index(idx.dtype(), [&](auto tag) {
    using I = typename decltype(tag)::type;
    const I* p = idx.data<I>();
    int64_t* o = offs.data();
    parallel_rows<2>(L, [&](const std::array<int64_t, 2>& off, int64_t len, const std::array<int64_t, 2>& st) {
      const I* q = p + off[0];
      int64_t* d = o + off[1];
      if (first) for (int64_t i = 0; i < len; i++) d[i * st[1]] = wrap_index(q[i * st[0]], n) * stride;
      else for (int64_t i = 0; i < len; i++) d[i * st[1]] += wrap_index(q[i * st[0]], n) * stride;
    }, 1 << 16);
  });
}

// Offsets (in elements) of each index position given per-axis strides of the indexed array.
inline std::vector<int64_t> index_offsets(const std::vector<Array>& idx, const std::vector<int>& axes, const Shape& dims,
                                          const Strides& strides, int64_t n_idx) {
  std::vector<int64_t> offs(std::max<int64_t>(n_idx, 1), 0);
  for (size_t j = 0; j < idx.size(); j++)
    accumulate_offsets(idx[j], dims[axes[j]], strides[axes[j]], offs, j == 0);
  return offs;
}

// Row-major offsets of each position of `shape` under `strides` (for strided update arrays).
inline std::vector<int64_t> strided_offsets(const Shape& shape, const Strides& strides) {
  int64_t n = shape_size(shape);
  std::vector<int64_t> offs(std::max<int64_t>(n, 1), 0);
  if (n == 0) return offs;
  Strides dst = row_major_strides(shape);
  auto L = collapse<2>(shape, {&strides, &dst});
  for_each_row<2>(L, 0, outer_rows(L.shape), [&](const std::array<int64_t, 2>& off, int64_t len,
                                                 const std::array<int64_t, 2>& st) {
    for (int64_t i = 0; i < len; i++) offs[off[1] + i * st[1]] = off[0] + i * st[0];
  });
  return offs;
}

}  // namespace mlx::cpu
