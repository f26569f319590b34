// Indexing ops: take / take_along_axis / put_along_axis, gather / scatter, dynamic slices,
// and NumPy/MLX-style advanced indexing (`a[...]`, `a[...] = v`, `a.at[...].add(v)`).
#pragma once
#include <optional>

#include "../primitives/indexing.h"
#include "common.h"

namespace mlx {

Array gather(const Array& a, const std::vector<Array>& indices, const std::vector<int>& axes,
             const Shape& slice_sizes, StreamOrDevice s = {});
Array scatter(const Array& a, const std::vector<Array>& indices, const Array& updates, const std::vector<int>& axes,
              ScatterReduce reduce = ScatterReduce::none, StreamOrDevice s = {});

Array take(const Array& a, const Array& indices, int axis, StreamOrDevice s = {});
Array take(const Array& a, const Array& indices, StreamOrDevice s = {});  // over the flattened array
Array take_along_axis(const Array& a, const Array& indices, int axis, StreamOrDevice s = {});
Array take_along_axis(const Array& a, const Array& indices, StreamOrDevice s = {});  // axis=None
Array put_along_axis(const Array& a, const Array& indices, const Array& values, int axis, StreamOrDevice s = {});
Array put_along_axis(const Array& a, const Array& indices, const Array& values, StreamOrDevice s = {});
Array scatter_add_axis(const Array& a, const Array& indices, const Array& values, int axis, StreamOrDevice s = {});

// Dynamic (array) start indices, one per axis in `axes`.
Array slice(const Array& a, const Array& start, std::vector<int> axes, const Shape& slice_size, StreamOrDevice s = {});
Array slice_update(const Array& src, const Array& update, const Array& start, std::vector<int> axes,
                   StreamOrDevice s = {});

// a[mask] = v with MLX's rule for the value's shape.
Array masked_scatter(const Array& a, const Array& mask, const Array& src, StreamOrDevice s = {});

// One entry of an index expression.
struct IndexEntry {
  enum Kind { integer, slice, newaxis, ellipsis, array } kind = slice;
  int64_t value = 0;                                // integer
  std::optional<int64_t> start, stop, step;         // slice
  Array arr;                                        // array
};

Array get_item(const Array& a, const std::vector<IndexEntry>& entries, StreamOrDevice s = {});
// a[entries] = v (reduce none) or a.at[entries].<op>(v); returns the new array.
enum class UpdateOp { set, add, subtract, multiply, divide, maximum, minimum };
Array update_item(const Array& a, const std::vector<IndexEntry>& entries, const Array& v, UpdateOp op,
                  StreamOrDevice s = {});

}  // namespace mlx
