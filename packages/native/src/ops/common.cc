#include "common.h"

#include <algorithm>

namespace mlx {

Stream to_stream(const StreamOrDevice& s) {
  if (s.stream) return *s.stream;
  return default_stream(s.device ? *s.device : default_device());
}

int normalize_axis(int axis, int ndim, const char* op) {
  int a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= ndim)
    throw_error(ErrorCode::shape, std::string("[") + op + "] Invalid axis " + std::to_string(axis) +
                                      " for array with " + std::to_string(ndim) + " dimensions.");
  return a;
}

std::vector<int> normalize_axes(const std::vector<int>& axes, int ndim, const char* op) {
  std::vector<int> out;
  for (int a : axes) out.push_back(normalize_axis(a, ndim, op));
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end())
    throw_error(ErrorCode::shape, std::string("[") + op + "] Received duplicate axes.");
  return out;
}

std::string shape_str(const Shape& s) {
  std::string r = "(";
  for (size_t i = 0; i < s.size(); i++) r += (i ? "," : "") + std::to_string(s[i]);
  return r + (s.size() == 1 ? ",)" : ")");
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; i++) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      throw_error(ErrorCode::shape, "[broadcast_shapes] Shapes " + shape_str(a) + " and " + shape_str(b) +
                                        " cannot be broadcast.");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace mlx
