#include "sort.h"

#include "../primitives/sort.h"
#include "shape.h"

namespace mlx {

namespace {
Array flat(const Array& a, StreamOrDevice s) { return reshape(a, {a.size()}, s); }

int check_kth(const Array& a, int kth, int axis, const char* op) {
  int64_t n = a.shape(axis);
  int64_t k = kth < 0 ? kth + n : kth;
  if (k < 0 || k >= n)
    throw_error(ErrorCode::invalid_argument, std::string("[") + op + "] Received invalid kth " + std::to_string(kth) +
                                                 " along axis " + std::to_string(axis) + " for array with shape " +
                                                 shape_str(a.shape()) + ".");
  return (int)k;
}
}  // namespace

Array sort(const Array& a, int axis, StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), "sort");
  return Array(a.shape(), a.dtype(), std::make_shared<Sort>(to_stream(s), axis), {a});
}
Array sort(const Array& a, StreamOrDevice s) { return sort(flat(a, s), 0, s); }

Array argsort(const Array& a, int axis, StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), "argsort");
  return Array(a.shape(), Dtype::uint32, std::make_shared<ArgSort>(to_stream(s), axis), {a});
}
Array argsort(const Array& a, StreamOrDevice s) { return argsort(flat(a, s), 0, s); }

Array partition(const Array& a, int kth, int axis, StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), "partition");
  int k = check_kth(a, kth, axis, "partition");
  return Array(a.shape(), a.dtype(), std::make_shared<Partition>(to_stream(s), k, axis), {a});
}
Array partition(const Array& a, int kth, StreamOrDevice s) { return partition(flat(a, s), kth, 0, s); }

Array argpartition(const Array& a, int kth, int axis, StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), "argpartition");
  int k = check_kth(a, kth, axis, "argpartition");
  return Array(a.shape(), Dtype::uint32, std::make_shared<ArgPartition>(to_stream(s), k, axis), {a});
}
Array argpartition(const Array& a, int kth, StreamOrDevice s) { return argpartition(flat(a, s), kth, 0, s); }

Array topk(const Array& a, int k, int axis, StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), "topk");
  int64_t n = a.shape(axis);
  if (k < 0 || k > n)
    throw_error(ErrorCode::invalid_argument, "[topk] Received invalid k=" + std::to_string(k) + " along axis " +
                                                 std::to_string(axis) + " for array with shape " +
                                                 shape_str(a.shape()) + ".");
  if (k == n) return a;  // MLX returns the input unchanged
  Array p = partition(a, k == 0 ? 0 : (int)(n - k), axis, s);  // MLX partitions at -k
  Shape start(a.ndim(), 0), stop = a.shape(), step(a.ndim(), 1);
  start[axis] = n - k;
  return slice(p, start, stop, step, s);
}
Array topk(const Array& a, int k, StreamOrDevice s) { return topk(flat(a, s), k, 0, s); }

}  // namespace mlx
