// Elementwise binary and ternary ops with MLX's broadcasting and type promotion.
#pragma once
#include <optional>

#include "common.h"

namespace mlx {

Array add(const Array& a, const Array& b, StreamOrDevice s = {});
Array subtract(const Array& a, const Array& b, StreamOrDevice s = {});
Array multiply(const Array& a, const Array& b, StreamOrDevice s = {});
Array divide(const Array& a, const Array& b, StreamOrDevice s = {});  // integers divide as float32
Array floor_divide(const Array& a, const Array& b, StreamOrDevice s = {});
Array remainder(const Array& a, const Array& b, StreamOrDevice s = {});  // Python sign rules
std::vector<Array> divmod(const Array& a, const Array& b, StreamOrDevice s = {});
Array power(const Array& a, const Array& b, StreamOrDevice s = {});
Array maximum(const Array& a, const Array& b, StreamOrDevice s = {});  // NaN propagates
Array minimum(const Array& a, const Array& b, StreamOrDevice s = {});
Array arctan2(const Array& a, const Array& b, StreamOrDevice s = {});
Array logaddexp(const Array& a, const Array& b, StreamOrDevice s = {});
Array equal(const Array& a, const Array& b, bool equal_nan = false, StreamOrDevice s = {});
Array not_equal(const Array& a, const Array& b, StreamOrDevice s = {});
Array less(const Array& a, const Array& b, StreamOrDevice s = {});
Array less_equal(const Array& a, const Array& b, StreamOrDevice s = {});
Array greater(const Array& a, const Array& b, StreamOrDevice s = {});
Array greater_equal(const Array& a, const Array& b, StreamOrDevice s = {});
Array logical_and(const Array& a, const Array& b, StreamOrDevice s = {});
Array logical_or(const Array& a, const Array& b, StreamOrDevice s = {});
Array bitwise_and(const Array& a, const Array& b, StreamOrDevice s = {});
Array bitwise_or(const Array& a, const Array& b, StreamOrDevice s = {});
Array bitwise_xor(const Array& a, const Array& b, StreamOrDevice s = {});
Array left_shift(const Array& a, const Array& b, StreamOrDevice s = {});
Array right_shift(const Array& a, const Array& b, StreamOrDevice s = {});

// where(cond, x, y): x where cond is true; all three broadcast; dtype promote(x, y).
Array where(const Array& cond, const Array& x, const Array& y, StreamOrDevice s = {});
// At least one bound must be given.
Array clip(const Array& a, const std::optional<Array>& a_min, const std::optional<Array>& a_max,
           StreamOrDevice s = {});
Array isclose(const Array& a, const Array& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false,
              StreamOrDevice s = {});
Array allclose(const Array& a, const Array& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false,
               StreamOrDevice s = {});  // bool scalar
Array array_equal(const Array& a, const Array& b, bool equal_nan = false, StreamOrDevice s = {});  // bool scalar

}  // namespace mlx
