// Quantized matmul with transposed weights for more rows of x than the qmv kernels take (quantized.cc decides
// when): row-invariant, i.e. each output row is bit-identical to what the qmv kernels give for that row alone.
#pragma once
#include <cstdint>

#include "../../engine/dtype.h"
#include "simd/qmv.h"

namespace mlx::cpu {

// y (M x N, row stride N) = x (M x K, f32 row-major) @ dequantize(w [N, K]).T. `rows`/`prep`: the qmv kernel
// (and its x re-layout) that the M <= 8 path picks for these bits / group size.
void qmm_invariant(const float* x, int64_t M, int64_t K, int64_t N, const uint8_t* w, const void* scales,
                   const void* biases, Dtype sdt, int gs, int bits, float* y, bool threads, qmv::RowsFn rows,
                   qmv::PrepFn prep);

}  // namespace mlx::cpu
