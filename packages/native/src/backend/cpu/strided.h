// Iteration over strided layouts. Dimensions that are contiguous in every operand are
// merged first, so a dense array is one long row and kernels see a tight inner loop.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "../../engine/array.h"
#include "../../engine/threadpool.h"

namespace mlx::cpu {

template <int N>
struct Layout {
  Shape shape;                  // collapsed, at least one dim
  std::array<Strides, N> strides;
};

template <int N>
Layout<N> collapse(const Shape& shape, const std::array<const Strides*, N>& strides) {
  Layout<N> out;
  for (size_t i = 0; i < shape.size(); i++) {
    if (shape[i] == 1) continue;  // size-1 dims carry no stride information
    bool merge = !out.shape.empty();
    for (int k = 0; k < N && merge; k++)
      merge = out.strides[k].back() == (*strides[k])[i] * shape[i];
    if (merge) {
      out.shape.back() *= shape[i];
      for (int k = 0; k < N; k++) out.strides[k].back() = (*strides[k])[i];
    } else {
      out.shape.push_back(shape[i]);
      for (int k = 0; k < N; k++) out.strides[k].push_back((*strides[k])[i]);
    }
  }
  if (out.shape.empty()) {
    out.shape.push_back(1);
    for (int k = 0; k < N; k++) out.strides[k].push_back(0);
  }
  return out;
}

// Calls row(offsets, n, inner_strides) for every innermost row whose flat outer index is
// in [begin, end). offsets are element offsets of the row's first element per operand.
template <int N, typename F>
void for_each_row(const Layout<N>& L, int64_t begin, int64_t end, F&& row) {
  int nd = (int)L.shape.size();
  int64_t n = L.shape[nd - 1];
  std::array<int64_t, N> inner;
  for (int k = 0; k < N; k++) inner[k] = L.strides[k][nd - 1];
  std::vector<int64_t> idx(nd > 1 ? nd - 1 : 1, 0);
  std::array<int64_t, N> off{};
  // Decompose begin into a multi-index over the outer dims.
  int64_t r = begin;
  for (int d = nd - 2; d >= 0; d--) {
    idx[d] = r % L.shape[d];
    r /= L.shape[d];
    for (int k = 0; k < N; k++) off[k] += idx[d] * L.strides[k][d];
  }
  for (int64_t o = begin; o < end; o++) {
    row(off, n, inner);
    for (int d = nd - 2; d >= 0; d--) {
      for (int k = 0; k < N; k++) off[k] += L.strides[k][d];
      if (++idx[d] < L.shape[d]) break;
      for (int k = 0; k < N; k++) off[k] -= L.strides[k][d] * L.shape[d];
      idx[d] = 0;
    }
  }
}

inline int64_t outer_rows(const Shape& collapsed) {
  int64_t r = 1;
  for (size_t i = 0; i + 1 < collapsed.size(); i++) r *= collapsed[i];
  return r;
}

// Parallel over outer rows; rows are split so each task has about `grain` elements.
template <int N, typename F>
void parallel_rows(const Layout<N>& L, F&& row, int64_t grain = 1 << 15) {
  int64_t rows = outer_rows(L.shape), n = L.shape.back();
  int64_t rows_grain = std::max<int64_t>(1, grain / std::max<int64_t>(n, 1));
  parallel_for(rows, rows_grain, [&](int64_t b, int64_t e) { for_each_row<N>(L, b, e, row); });
}

}  // namespace mlx::cpu
