// Elementwise unary ops (MLX's names). Output dtypes follow MLX: math ops map integer and
// bool inputs to float32; predicates return bool; abs/real/imag of complex64 give float32.
#pragma once
#include <optional>

#include "common.h"

namespace mlx {

#define MLX_UNARY_FNS(X)                                                                              \
  X(abs) X(negative) X(sign) X(sqrt) X(rsqrt) X(square) X(reciprocal) X(exp) X(expm1) X(log) X(log2)  \
  X(log10) X(log1p) X(sin) X(cos) X(tan) X(arcsin) X(arccos) X(arctan) X(sinh) X(cosh) X(tanh)        \
  X(arcsinh) X(arccosh) X(arctanh) X(sigmoid) X(erf) X(erfinv) X(floor) X(ceil) X(isnan) X(isinf)     \
  X(isfinite) X(isposinf) X(isneginf) X(logical_not) X(bitwise_invert) X(degrees) X(radians)          \
  X(conjugate) X(real) X(imag) X(stop_gradient)

#define MLX_UNARY_DECL(N) Array N(const Array& a, StreamOrDevice s = {});
MLX_UNARY_FNS(MLX_UNARY_DECL)
#undef MLX_UNARY_DECL

Array round(const Array& a, int decimals = 0, StreamOrDevice s = {});
Array nan_to_num(const Array& a, float nan = 0.0f, std::optional<float> posinf = std::nullopt,
                 std::optional<float> neginf = std::nullopt, StreamOrDevice s = {});

}  // namespace mlx
