// Matrix products with MLX semantics: 1-D operands are promoted (and the added dim removed from the
// result), batch dims broadcast, inputs promoted to a common inexact dtype.
#pragma once
#include "common.h"

namespace mlx {

Array matmul(const Array& a, const Array& b, StreamOrDevice s = {});
// alpha * (a @ b) + beta * c, with c broadcast to the product's shape.
Array addmm(const Array& c, const Array& a, const Array& b, float alpha = 1.0f, float beta = 1.0f,
            StreamOrDevice s = {});

}  // namespace mlx
