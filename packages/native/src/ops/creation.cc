#include "creation.h"

#include <cmath>
#include <limits>

#include "../primitives/creation.h"
#include "shape.h"

namespace mlx {

Array arange(double start, double stop, double step, Dtype dt, StreamOrDevice s) {
  check(step != 0, ErrorCode::invalid_argument, "[arange] step must be nonzero.");
  check(dt != Dtype::bool_, ErrorCode::dtype, "[arange] bool is not supported for arange.");
  check(std::isfinite(start) && std::isfinite(stop) && std::isfinite(step), ErrorCode::invalid_argument,
        "[arange] Cannot compute length: start, stop and step must be finite.");
  double len = std::ceil((stop - start) / step);
  check(len <= (double)std::numeric_limits<int32_t>::max(), ErrorCode::invalid_argument, "[arange] Maximum size exceeded.");
  int64_t n = std::max<int64_t>(0, (int64_t)len);
  return Array(Shape{n}, dt, std::make_shared<Arange>(to_stream(s), start, step), {});
}

Array linspace(double start, double stop, int64_t num, Dtype dt, StreamOrDevice s) {
  check(num >= 0, ErrorCode::invalid_argument,
        "[linspace] number of samples, " + std::to_string(num) + ", must be non-negative.");
  check(dt != Dtype::bool_, ErrorCode::dtype, "[linspace] bool is not supported for linspace.");
  // MLX computes in float32 (float64 for float64) and converts; integer outputs truncate.
  double step = num > 1 ? (stop - start) / (double)(num - 1) : 0.0;
  Dtype work = dt == Dtype::float64 ? Dtype::float64 : Dtype::float32;
  Array f(Shape{num}, work, std::make_shared<Arange>(to_stream(s), start, step), {});
  return astype(f, dt, s);
}

static Array eye_like(int64_t n, int64_t m, int k, bool lower, Dtype dt, const char* op, StreamOrDevice s) {
  check(n >= 0 && m >= 0, ErrorCode::invalid_argument, std::string("[") + op + "] N and M must be positive integers.");
  return Array(Shape{n, m}, dt, std::make_shared<Eye>(to_stream(s), k, lower), {});
}
Array eye(int64_t n, int64_t m, int k, Dtype dt, StreamOrDevice s) { return eye_like(n, m, k, false, dt, "eye", s); }
Array identity(int64_t n, Dtype dt, StreamOrDevice s) { return eye_like(n, n, 0, false, dt, "identity", s); }
Array tri(int64_t n, int64_t m, int k, Dtype dt, StreamOrDevice s) { return eye_like(n, m, k, true, dt, "tri", s); }

Array zeros(const Shape& shape, Dtype dt, StreamOrDevice s) { return full(shape, Array::scalar(0.0, dt), dt, s); }
Array ones(const Shape& shape, Dtype dt, StreamOrDevice s) { return full(shape, Array::scalar(1.0, dt), dt, s); }
Array zeros_like(const Array& a, StreamOrDevice s) { return zeros(a.shape(), a.dtype(), s); }
Array ones_like(const Array& a, StreamOrDevice s) { return ones(a.shape(), a.dtype(), s); }

}  // namespace mlx
