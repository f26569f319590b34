// mx.linalg (MLX semantics, CPU): factorizations work on the last two axes and are batched over
// the leading ones; inputs must be float32 or float64 unless noted.
#pragma once
#include <optional>
#include <string>
#include <variant>

#include "common.h"

namespace mlx::linalg {

// ord: unset (2-norm / Frobenius), a number, or "fro" / "nuc".
using NormOrd = std::variant<std::monostate, double, std::string>;
Array norm(const Array& a, const NormOrd& ord = {}, const std::optional<std::vector<int>>& axis = {},
           bool keepdims = false, StreamOrDevice s = {});

Array inv(const Array& a, StreamOrDevice s = {});
Array tri_inv(const Array& a, bool upper = false, StreamOrDevice s = {});
Array cholesky(const Array& a, bool upper = false, StreamOrDevice s = {});
Array cholesky_inv(const Array& l, bool upper = false, StreamOrDevice s = {});
Array pinv(const Array& a, StreamOrDevice s = {});
Array cross(const Array& a, const Array& b, int axis = -1, StreamOrDevice s = {});
std::vector<Array> qr(const Array& a, StreamOrDevice s = {});
std::vector<Array> svd(const Array& a, bool compute_uv = true, StreamOrDevice s = {});
std::vector<Array> eigh(const Array& a, const std::string& uplo = "L", StreamOrDevice s = {});
Array eigvalsh(const Array& a, const std::string& uplo = "L", StreamOrDevice s = {});
std::vector<Array> eig(const Array& a, StreamOrDevice s = {});
Array eigvals(const Array& a, StreamOrDevice s = {});
std::vector<Array> lu(const Array& a, StreamOrDevice s = {});         // {P (row permutation), L, U}
std::vector<Array> lu_factor(const Array& a, StreamOrDevice s = {});  // {LU, pivots}
Array solve(const Array& a, const Array& b, StreamOrDevice s = {});
Array solve_triangular(const Array& a, const Array& b, bool upper = false, StreamOrDevice s = {});
Array det(const Array& a, StreamOrDevice s = {});
std::vector<Array> slogdet(const Array& a, StreamOrDevice s = {});  // {sign, log|det|}

}  // namespace mlx::linalg
