// int8_linear: a Linear layer over int8 weights with dynamic per-row activation quantization.
//   x      floating [..., K]        (computed in float32)
//   w      int8 [N, K]              (w_float[n, k] ~= w[n, k] * scales[n])
//   scales floating [N]             (dequantization scale of each weight row)
//   bias   floating [N] (optional)
// Each row r of x is quantized as q = clamp(rint(x * (127 / amax_r)), -127, 127) with amax_r = max |x[r, :]|
// (round half to even; an all-zero row gives q = 0), then
//   y[r, n] = float(sum_k q[r, k] * w[n, k]) * ((amax_r / 127) * scales[n]) + bias[n]
// with an exact int32 sum. The result has x's dtype. K is at most 65536 (the int32 sum cannot overflow).
#pragma once
#include <optional>

#include "common.h"

namespace mlx {

Array int8_linear(const Array& x, const Array& w, const Array& scales, const std::optional<Array>& bias,
                  StreamOrDevice s = {});

}  // namespace mlx
