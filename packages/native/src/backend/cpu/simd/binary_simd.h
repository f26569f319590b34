// SIMD rows for the common elementwise binary ops (float32, float16, bfloat16, float64, int32).
// Each ISA file returns a row function for (op, dtype) or nullptr when it has none; the caller
// (binary.cc) finishes any tail the function leaves and falls back to the portable loop.
#pragma once
#include <cstdint>

#include "../../../engine/dtype.h"
#include "../../../primitives/binary.h"

namespace mlx::cpu::simd {

enum class RowMode : int { vv = 0, sv = 1, vs = 2 };  // which operand is a broadcast scalar

// Processes a prefix of the row (contiguous operands, or one scalar) and returns its length.
using BinaryRowFn = int64_t (*)(const void* a, const void* b, void* out, int64_t n, RowMode mode);

#if defined(MLX_X86)
BinaryRowFn binary_row_avx512(BinaryOp op, Dtype dt);
BinaryRowFn binary_row_avx2(BinaryOp op, Dtype dt);
#endif

}  // namespace mlx::cpu::simd
