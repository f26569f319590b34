// Float32 elementwise building blocks shared with the fused-program kernel (compile).
#pragma once
#include <cstdint>

#include "../../primitives/binary.h"
#include "../../primitives/unary.h"

namespace mlx::cpu {

using F32UnaryFn = void (*)(const float* x, float* y, int64_t n, const float* params);
// nullptr when the op has no float32 form (predicates, bitwise, complex parts).
F32UnaryFn unary_f32_kernel(UnaryOp op);
// o[i] = op(a[i*sa], b[i*sb]), sa/sb in {0,1}; false (nothing written) for ops without a float32 row.
bool binary_f32_row(BinaryOp op, const float* a, const float* b, float* o, int64_t n, int64_t sa, int64_t sb);

}  // namespace mlx::cpu
