#include "int8_linear.h"

#include "../primitives/int8_linear.h"
#include "shape.h"

namespace mlx {

namespace {
[[noreturn]] void fail(ErrorCode c, const std::string& msg) { throw_error(c, "[int8_linear] " + msg); }
bool is_real_float(Dtype d) { return is_floating(d) && d != Dtype::float64 && d != Dtype::complex64; }
}  // namespace

Array int8_linear(const Array& x, const Array& w, const Array& scales, const std::optional<Array>& bias,
                  StreamOrDevice s) {
  if (w.dtype() != Dtype::int8) fail(ErrorCode::dtype, "The weight matrix must be int8 but received " + std::string(dtype_name(w.dtype())) + ".");
  if (!is_real_float(x.dtype())) fail(ErrorCode::dtype, "x must be float32, float16 or bfloat16 but received " + std::string(dtype_name(x.dtype())) + ".");
  if (!is_real_float(scales.dtype())) fail(ErrorCode::dtype, "scales must be floating point but received " + std::string(dtype_name(scales.dtype())) + ".");
  if (bias && !is_real_float(bias->dtype())) fail(ErrorCode::dtype, "bias must be floating point but received " + std::string(dtype_name(bias->dtype())) + ".");
  if (w.ndim() != 2) fail(ErrorCode::shape, "The weight matrix must be 2-D [N, K] but has shape " + shape_str(w.shape()) + ".");
  const int64_t N = w.shape(0), K = w.shape(1);
  if (x.ndim() == 0) fail(ErrorCode::shape, "x must have at least one dimension.");
  if (x.shape(-1) != K)
    fail(ErrorCode::shape, "The last dimension of x " + shape_str(x.shape()) + " does not match the weight matrix " + shape_str(w.shape()) + " (expected " + std::to_string(K) + ").");
  if (K > 65536) fail(ErrorCode::shape, "K = " + std::to_string(K) + " exceeds the supported maximum of 65536.");
  if (scales.ndim() != 1 || scales.shape(0) != N)
    fail(ErrorCode::shape, "scales must have shape (" + std::to_string(N) + ") but has shape " + shape_str(scales.shape()) + ".");
  if (bias && (bias->ndim() != 1 || bias->shape(0) != N))
    fail(ErrorCode::shape, "bias must have shape (" + std::to_string(N) + ") but has shape " + shape_str(bias->shape()) + ".");
  std::vector<Array> in{astype(x, Dtype::float32, s), w, astype(scales, Dtype::float32, s)};
  if (bias) in.push_back(astype(*bias, Dtype::float32, s));
  Shape out = x.shape();
  out.back() = N;
  Array y(out, Dtype::float32, std::make_shared<Int8Linear>(to_stream(s)), std::move(in));
  return x.dtype() == Dtype::float32 ? y : astype(y, x.dtype(), s);
}

}  // namespace mlx
