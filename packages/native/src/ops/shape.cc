#include "shape.h"

#include <algorithm>
#include <numeric>

#include "../primitives/shape.h"

namespace mlx {

Array astype(const Array& a, Dtype dt, StreamOrDevice s) {
  if (a.dtype() == dt) return a;
  return Array(a.shape(), dt, std::make_shared<AsType>(to_stream(s), dt), {a});
}

Array copy(const Array& a, StreamOrDevice s) {
  return Array(a.shape(), a.dtype(), std::make_shared<AsType>(to_stream(s), a.dtype()), {a});
}

Array broadcast_to(const Array& a, const Shape& shape, StreamOrDevice s) {
  if (a.shape() == shape) return a;
  Shape b = broadcast_shapes(a.shape(), shape);
  if (b != shape)
    throw_error(ErrorCode::shape, "[broadcast_to] Cannot broadcast array of shape " + shape_str(a.shape()) +
                                      " to shape " + shape_str(shape) + ".");
  return Array(shape, a.dtype(), std::make_shared<Broadcast>(to_stream(s), shape), {a});
}

std::vector<Array> broadcast_arrays(const std::vector<Array>& arrays, StreamOrDevice s) {
  Shape shape;
  for (auto& a : arrays) shape = broadcast_shapes(shape, a.shape());
  std::vector<Array> out;
  for (auto& a : arrays) out.push_back(broadcast_to(a, shape, s));
  return out;
}

Array reshape(const Array& a, Shape shape, StreamOrDevice s) {
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); i++) {
    if (shape[i] == -1) {
      check(infer < 0, ErrorCode::shape, "[reshape] Can only infer one dimension.");
      infer = (int)i;
    } else {
      check(shape[i] >= 0, ErrorCode::shape, "[reshape] Invalid negative dimension in shape.");
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    check(known != 0 && a.size() % known == 0, ErrorCode::shape,
          "[reshape] Cannot infer the shape of an array of size " + std::to_string(a.size()) + " into " +
              shape_str(shape) + ".");
    shape[infer] = a.size() / known;
  }
  if (shape_size(shape) != a.size())
    throw_error(ErrorCode::shape, "[reshape] Cannot reshape array of size " + std::to_string(a.size()) +
                                      " into shape " + shape_str(shape) + ".");
  if (shape == a.shape()) return a;
  return Array(shape, a.dtype(), std::make_shared<Reshape>(to_stream(s), shape), {a});
}

Array flatten(const Array& a, int start, int end, StreamOrDevice s) {
  if (a.ndim() == 0) return reshape(a, {1}, s);
  start = normalize_axis(start, a.ndim(), "flatten");
  end = normalize_axis(end, a.ndim(), "flatten");
  check(start <= end, ErrorCode::shape, "[flatten] start_axis must not be after end_axis.");
  Shape shape(a.shape().begin(), a.shape().begin() + start);
  int64_t n = 1;
  for (int i = start; i <= end; i++) n *= a.shape(i);
  shape.push_back(n);
  shape.insert(shape.end(), a.shape().begin() + end + 1, a.shape().end());
  return reshape(a, shape, s);
}

Array unflatten(const Array& a, int axis, Shape shape, StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), "unflatten");
  check(!shape.empty(), ErrorCode::shape, "[unflatten] Shape must not be empty.");
  Shape out(a.shape().begin(), a.shape().begin() + axis);
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); i++) {
    if (shape[i] == -1) { check(infer < 0, ErrorCode::shape, "[unflatten] Can only infer one dimension."); infer = (int)i; }
    else known *= shape[i];
  }
  if (infer >= 0) { check(known && a.shape(axis) % known == 0, ErrorCode::shape, "[unflatten] Cannot infer dimension."); shape[infer] = a.shape(axis) / known; known *= shape[infer]; }
  check(known == a.shape(axis), ErrorCode::shape, "[unflatten] Shape does not match the size of the axis.");
  out.insert(out.end(), shape.begin(), shape.end());
  out.insert(out.end(), a.shape().begin() + axis + 1, a.shape().end());
  return reshape(a, out, s);
}

Array squeeze(const Array& a, const std::vector<int>& axes, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "squeeze");
  Shape shape;
  for (int i = 0, k = 0; i < a.ndim(); i++) {
    if (k < (int)ax.size() && ax[k] == i) {
      check(a.shape(i) == 1, ErrorCode::shape, "[squeeze] Cannot squeeze axis " + std::to_string(i) + " with size other than 1.");
      k++;
    } else {
      shape.push_back(a.shape(i));
    }
  }
  return reshape(a, shape, s);
}

Array squeeze(const Array& a, StreamOrDevice s) {
  std::vector<int> axes;
  for (int i = 0; i < a.ndim(); i++) if (a.shape(i) == 1) axes.push_back(i);
  return squeeze(a, axes, s);
}

Array expand_dims(const Array& a, const std::vector<int>& axes, StreamOrDevice s) {
  int nd = a.ndim() + (int)axes.size();
  auto ax = normalize_axes(axes, nd, "expand_dims");
  Shape shape;
  for (int i = 0, k = 0, j = 0; i < nd; i++) {
    if (k < (int)ax.size() && ax[k] == i) { shape.push_back(1); k++; }
    else shape.push_back(a.shape(j++));
  }
  return reshape(a, shape, s);
}

Array transpose(const Array& a, std::vector<int> perm, StreamOrDevice s) {
  check((int)perm.size() == a.ndim(), ErrorCode::shape,
        "[transpose] Received " + std::to_string(perm.size()) + " axes for array with " + std::to_string(a.ndim()) + " dimensions.");
  std::vector<bool> seen(a.ndim(), false);
  Shape shape;
  for (auto& p : perm) {
    p = normalize_axis(p, a.ndim(), "transpose");
    check(!seen[p], ErrorCode::shape, "[transpose] Repeated axis in permutation.");
    seen[p] = true;
    shape.push_back(a.shape(p));
  }
  bool identity = true;
  for (int i = 0; i < a.ndim(); i++) identity = identity && perm[i] == i;
  if (identity) return a;
  return Array(shape, a.dtype(), std::make_shared<Transpose>(to_stream(s), perm), {a});
}

Array transpose(const Array& a, StreamOrDevice s) {
  std::vector<int> perm(a.ndim());
  std::iota(perm.rbegin(), perm.rend(), 0);
  return transpose(a, perm, s);
}

Array swapaxes(const Array& a, int a1, int a2, StreamOrDevice s) {
  a1 = normalize_axis(a1, a.ndim(), "swapaxes");
  a2 = normalize_axis(a2, a.ndim(), "swapaxes");
  std::vector<int> perm(a.ndim());
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[a1], perm[a2]);
  return transpose(a, perm, s);
}

Array moveaxis(const Array& a, int src, int dst, StreamOrDevice s) {
  src = normalize_axis(src, a.ndim(), "moveaxis");
  dst = normalize_axis(dst, a.ndim(), "moveaxis");
  std::vector<int> perm;
  for (int i = 0; i < a.ndim(); i++) if (i != src) perm.push_back(i);
  perm.insert(perm.begin() + dst, src);
  return transpose(a, perm, s);
}

namespace {
// Python's slice.indices per axis; returns the result shape and rewrites start/stop.
Shape normalize_slice(const Shape& in, Shape& start, Shape& stop, const Shape& step, const char* op) {
  int nd = (int)in.size();
  check((int)start.size() == nd && (int)stop.size() == nd && (int)step.size() == nd, ErrorCode::shape,
        std::string("[") + op + "] start, stop and step must have one entry per dimension.");
  Shape shape(nd);
  for (int i = 0; i < nd; i++) {
    int64_t n = in[i], st = step[i];
    check(st != 0, ErrorCode::invalid_argument, std::string("[") + op + "] Step must not be zero.");
    auto clamp = [&](int64_t v) {
      if (v < 0) v += n;
      return st > 0 ? std::clamp<int64_t>(v, 0, n) : std::clamp<int64_t>(v, -1, n - 1);
    };
    int64_t b = clamp(start[i]), e = clamp(stop[i]);
    int64_t len = st > 0 ? (e > b ? (e - b + st - 1) / st : 0) : (b > e ? (b - e - st - 1) / (-st) : 0);
    start[i] = len > 0 ? b : 0;
    // "Before index 0" of a reversed slice is kept as -n-1, so normalizing again (the transform rules
    // rebuild slices from stored bounds) gives the same slice instead of reading -1 as n-1.
    stop[i] = st < 0 && e < 0 ? -n - 1 : e;
    shape[i] = len;
  }
  return shape;
}
}  // namespace

Array slice(const Array& a, Shape start, Shape stop, Shape step, StreamOrDevice s) {
  Shape shape = normalize_slice(a.shape(), start, stop, step, "slice");
  if (shape == a.shape() && std::all_of(step.begin(), step.end(), [](int64_t v) { return v == 1; })) return a;
  return Array(shape, a.dtype(), std::make_shared<Slice>(to_stream(s), start, stop, step), {a});
}

Array slice_update(const Array& src, const Array& update, Shape start, Shape stop, Shape step, StreamOrDevice s) {
  Shape shape = normalize_slice(src.shape(), start, stop, step, "slice_update");
  Array upd = broadcast_to(astype(update, src.dtype(), s), shape, s);
  return Array(src.shape(), src.dtype(), std::make_shared<SliceUpdate>(to_stream(s), start, stop, step), {src, upd});
}

Array concatenate(const std::vector<Array>& arrays, int axis, StreamOrDevice s) {
  check(!arrays.empty(), ErrorCode::invalid_argument, "[concatenate] No arrays provided.");
  int nd = arrays[0].ndim();
  check(nd > 0, ErrorCode::shape, "[concatenate] Zero-dimensional arrays cannot be concatenated.");
  axis = normalize_axis(axis, nd, "concatenate");
  Shape shape = arrays[0].shape();
  Dtype dt = arrays[0].dtype();
  for (size_t k = 1; k < arrays.size(); k++) {
    auto& b = arrays[k];
    check(b.ndim() == nd, ErrorCode::shape, "[concatenate] All arrays must have the same number of dimensions.");
    for (int i = 0; i < nd; i++)
      if (i != axis && b.shape(i) != shape[i])
        throw_error(ErrorCode::shape, "[concatenate] All the input array dimensions must match exactly except "
                                      "for the concatenation axis. Got " + shape_str(arrays[0].shape()) + " and " +
                                      shape_str(b.shape()) + ".");
    shape[axis] += b.shape(axis);
    dt = promote_types(dt, b.dtype());
  }
  if (arrays.size() == 1) return astype(arrays[0], dt, s);
  return Array(shape, dt, std::make_shared<Concatenate>(to_stream(s), axis), arrays);
}

Array stack(const std::vector<Array>& arrays, int axis, StreamOrDevice s) {
  check(!arrays.empty(), ErrorCode::invalid_argument, "[stack] No arrays provided.");
  for (auto& a : arrays)
    check(a.shape() == arrays[0].shape(), ErrorCode::shape, "[stack] All arrays must have the same shape.");
  axis = normalize_axis(axis, arrays[0].ndim() + 1, "stack");
  std::vector<Array> ex;
  for (auto& a : arrays) ex.push_back(expand_dims(a, {axis}, s));
  return concatenate(ex, axis, s);
}

std::vector<Array> split(const Array& a, const Shape& indices, int axis, StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), "split");
  std::vector<Array> out;
  int64_t prev = 0, n = a.shape(axis);
  Shape start(a.ndim(), 0), stop = a.shape(), step(a.ndim(), 1);
  for (size_t i = 0; i <= indices.size(); i++) {
    int64_t end = i < indices.size() ? std::clamp<int64_t>(indices[i] < 0 ? indices[i] + n : indices[i], 0, n) : n;
    start[axis] = std::min(prev, n);
    stop[axis] = std::max(end, start[axis]);
    out.push_back(slice(a, start, stop, step, s));
    prev = std::max(end, prev);
  }
  return out;
}

std::vector<Array> split(const Array& a, int num, int axis, StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), "split");
  check(num > 0 && a.shape(axis) % num == 0, ErrorCode::shape,
        "[split] Array of size " + std::to_string(a.shape(axis)) + " on the axis cannot be split into " +
            std::to_string(num) + " equal parts.");
  Shape idx;
  for (int i = 1; i < num; i++) idx.push_back(a.shape(axis) / num * i);
  return split(a, idx, axis, s);
}

Array full(const Shape& shape, const Array& value, Dtype dt, StreamOrDevice s) {
  shape_size(shape);
  return copy(broadcast_to(astype(value, dt, s), shape, s), s);
}

Array full(const Shape& shape, const Array& value, StreamOrDevice s) { return full(shape, value, value.dtype(), s); }

}  // namespace mlx
