// Row-invariant quantized matmul for many rows of x (transposed weights): every output element is computed with
// exactly the float operations, in the same order, as the matrix-vector kernels of qmv.h compute it for a lone
// row, so a row's result does not depend on how many other rows share the call (continuous batching needs this).
// Unlike qmv, which unpacks the weights again for every block of 4 x rows, these kernels decode a panel of weight
// rows once (to the float codes and scale vectors the qmv kernel would form in registers) and run a register-
// blocked loop over all rows of x, so they reach GEMM-like speed.
#pragma once
#include <cstdint>

#include "qmv.h"

namespace mlx::cpu::qmm_inv {

// Computes y rows [0, M) x columns [n0, n1) (a.x / a.xp / a.xsum prepared for all M rows as qmv expects),
// decoding `np` weight rows at a time into `scratch` (panel_floats(np, K, gs) floats).
using RangeFn = void (*)(const qmv::Args& a, int64_t M, int64_t n0, int64_t n1, int64_t np, float* scratch);

int64_t panel_floats(int64_t np, int64_t K, int gs);

#if defined(MLX_X86)
// The kernel matching qmv::rows_avx512(bits, gs) bit for bit, or nullptr when there is none (the caller then
// runs the qmv kernel itself over all rows, which is invariant by construction but slower).
RangeFn range_avx512(int bits, int gs);
#endif

}  // namespace mlx::cpu::qmm_inv
