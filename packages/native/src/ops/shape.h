#pragma once
#include "common.h"

namespace mlx {

Array astype(const Array& a, Dtype dt, StreamOrDevice s = {});
Array copy(const Array& a, StreamOrDevice s = {});  // fresh row-contiguous buffer
Array broadcast_to(const Array& a, const Shape& shape, StreamOrDevice s = {});
std::vector<Array> broadcast_arrays(const std::vector<Array>& arrays, StreamOrDevice s = {});
Array reshape(const Array& a, Shape shape, StreamOrDevice s = {});  // one -1 allowed
Array flatten(const Array& a, int start_axis = 0, int end_axis = -1, StreamOrDevice s = {});
Array unflatten(const Array& a, int axis, Shape shape, StreamOrDevice s = {});
Array squeeze(const Array& a, const std::vector<int>& axes, StreamOrDevice s = {});
Array squeeze(const Array& a, StreamOrDevice s = {});
Array expand_dims(const Array& a, const std::vector<int>& axes, StreamOrDevice s = {});
Array transpose(const Array& a, std::vector<int> perm, StreamOrDevice s = {});
Array transpose(const Array& a, StreamOrDevice s = {});  // reverses axes
Array swapaxes(const Array& a, int axis1, int axis2, StreamOrDevice s = {});
Array moveaxis(const Array& a, int source, int destination, StreamOrDevice s = {});
// Python slice semantics per axis (start/stop already clamped by the caller or here).
Array slice(const Array& a, Shape start, Shape stop, Shape step, StreamOrDevice s = {});
// Copy of `src` with `update` written at the (already normalised or Python-style) region.
Array slice_update(const Array& src, const Array& update, Shape start, Shape stop, Shape step, StreamOrDevice s = {});
Array concatenate(const std::vector<Array>& arrays, int axis = 0, StreamOrDevice s = {});
Array stack(const std::vector<Array>& arrays, int axis = 0, StreamOrDevice s = {});
std::vector<Array> split(const Array& a, int num_splits, int axis = 0, StreamOrDevice s = {});
std::vector<Array> split(const Array& a, const Shape& indices, int axis = 0, StreamOrDevice s = {});
Array full(const Shape& shape, const Array& value, Dtype dt, StreamOrDevice s = {});
Array full(const Shape& shape, const Array& value, StreamOrDevice s = {});

}  // namespace mlx
