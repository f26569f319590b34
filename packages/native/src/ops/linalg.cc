#include "linalg.h"

#include <cmath>
#include <set>

#include "../primitives/linalg.h"
#include "binary.h"
#include "creation.h"
#include "matmul.h"
#include "reduce.h"
#include "shape.h"
#include "unary.h"

namespace mlx::linalg {

namespace {

std::string tag(const char* op) { return std::string("[linalg::") + op + "] "; }

void check_matrix(const Array& a, const char* op, bool square, const char* square_msg = nullptr) {
  if (a.ndim() < 2)
    throw_error(ErrorCode::shape, tag(op) + "Arrays must have >= 2 dimensions. Received array with " +
                                      std::to_string(a.ndim()) + " dimensions.");
  if (a.dtype() != Dtype::float32 && a.dtype() != Dtype::float64)
    throw_error(ErrorCode::dtype, tag(op) + "Arrays must have type float32 or float64. Received array with type " +
                                      dtype_name(a.dtype()) + ".");
  if (square && a.shape(-1) != a.shape(-2))
    throw_error(ErrorCode::shape, tag(op) + (square_msg ? square_msg : "Only defined for square matrices.") +
                                      " Received array with shape " + shape_str(a.shape()) + ".");
}

Array float_abs(const Array& a, Stream s) {
  Array x = abs(a, s);
  return is_inexact(x.dtype()) ? x : astype(x, Dtype::float32, s);
}

Array sum_sq(const Array& x, const std::vector<int>& axes, bool keepdims, Stream s) {
  return sum(multiply(x, x, s), axes, keepdims, s);
}

// Matrix norm over axes (r, c) of a float array x = |a| (or a for fro/nuc/2).
Array matrix_norm(const Array& a, const NormOrd& ord, int r, int c, bool keepdims, Stream s) {
  if (std::holds_alternative<std::string>(ord)) {
    const auto& o = std::get<std::string>(ord);
    if (o == "fro") return sqrt(sum_sq(float_abs(a, s), {r, c}, keepdims, s), s);
    if (o != "nuc") throw_error(ErrorCode::invalid_argument, tag("norm") + "Invalid ord " + o + " for matrix norm.");
  }
  const double p = std::holds_alternative<double>(ord) ? std::get<double>(ord) : 0.0;
  const bool nuc = std::holds_alternative<std::string>(ord);
  if (nuc || p == 2 || p == -2) {
    Array m = transpose(a, [&] {
      std::vector<int> perm;
      for (int d = 0; d < a.ndim(); d++)
        if (d != r && d != c) perm.push_back(d);
      perm.push_back(r), perm.push_back(c);
      return perm;
    }());
    Array sv = svd(m, false, s)[0];
    Array out = nuc ? sum(sv, std::vector<int>{-1}, false, s) : p > 0 ? max(sv, std::vector<int>{-1}, false, s) : min(sv, std::vector<int>{-1}, false, s);
    if (keepdims) out = expand_dims(out, {std::min(r, c), std::max(r, c)}, s);
    return out;
  }
  Array x = float_abs(a, s);
  if (p == 1 || p == -1) {
    Array cs = sum(x, std::vector<int>{r}, true, s);
    Array out = p > 0 ? max(cs, std::vector<int>{c}, true, s) : min(cs, std::vector<int>{c}, true, s);
    return keepdims ? out : squeeze(out, {r, c}, s);
  }
  if (std::isinf(p)) {
    Array rs = sum(x, std::vector<int>{c}, true, s);
    Array out = p > 0 ? max(rs, std::vector<int>{r}, true, s) : min(rs, std::vector<int>{r}, true, s);
    return keepdims ? out : squeeze(out, {r, c}, s);
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", p);
  throw_error(ErrorCode::invalid_argument, tag("norm") + "Invalid ord " + buf + " for matrix norm.");
}

Array vector_norm(const Array& a, double p, const std::vector<int>& ax, bool keepdims, Stream s) {
  Array x = float_abs(a, s);
  if (p == 2) return sqrt(sum_sq(x, ax, keepdims, s), s);
  if (p == 1) return sum(x, ax, keepdims, s);
  if (std::isinf(p)) return p > 0 ? max(x, ax, keepdims, s) : min(x, ax, keepdims, s);
  if (p == 0) return astype(sum(not_equal(x, Array::scalar(0, x.dtype()), s), ax, keepdims, s), x.dtype(), s);
  Array sp = sum(power(x, Array::scalar(p, x.dtype()), s), ax, keepdims, s);
  return power(sp, Array::scalar(1.0 / p, x.dtype()), s);
}

}  // namespace

Array norm(const Array& a, const NormOrd& ord, const std::optional<std::vector<int>>& axis, bool keepdims,
           StreamOrDevice sd) {
  Stream s = to_stream(sd);
  const bool has_ord = !std::holds_alternative<std::monostate>(ord);
  std::vector<int> ax;
  if (axis) {
    for (int v : *axis) {
      const int n = v < 0 ? v + a.ndim() : v;
      if (n < 0 || n >= a.ndim())
        throw_error(ErrorCode::index, tag("norm") + "Invalid axis " + std::to_string(v) + " for array with " +
                                          std::to_string(a.ndim()) + " dimensions.");
      ax.push_back(n);
    }
    if (std::set<int>(ax.begin(), ax.end()).size() != ax.size())
      throw_error(ErrorCode::invalid_argument, tag("norm") + "Received duplicate axes.");
  } else if (!has_ord) {
    // ord and axis unset: the 2-norm of the flattened array.
    std::vector<int> all(a.ndim());
    for (int d = 0; d < a.ndim(); d++) all[d] = d;
    return sqrt(sum_sq(float_abs(a, s), all, keepdims, s), s);
  } else {
    for (int d = 0; d < a.ndim(); d++) ax.push_back(d);
  }
  if (ax.size() == 1) {
    if (std::holds_alternative<std::string>(ord))
      throw_error(ErrorCode::invalid_argument,
                  tag("norm") + "Norm '" + std::get<std::string>(ord) + "' only supported for matrices, but received 1 axis/axes.");
    return vector_norm(a, has_ord ? std::get<double>(ord) : 2.0, ax, keepdims, s);
  }
  if (ax.size() == 2) {
    if (!has_ord) return sqrt(sum_sq(float_abs(a, s), ax, keepdims, s), s);
    return matrix_norm(a, ord, ax[0], ax[1], keepdims, s);
  }
  throw_error(ErrorCode::invalid_argument, tag("norm") + "Received too many axes for norm.");
}

Array inv(const Array& a, StreamOrDevice s) {
  check_matrix(a, "inv", true, "Inverses are only defined for square matrices.");
  return make_inverse(a, false, false, to_stream(s));
}

Array tri_inv(const Array& a, bool upper, StreamOrDevice s) {
  check_matrix(a, "tri_inv", true, "Inverses are only defined for square matrices.");
  return make_inverse(a, true, upper, to_stream(s));
}

Array cholesky(const Array& a, bool upper, StreamOrDevice s) {
  check_matrix(a, "cholesky", true, "Cholesky decomposition is only defined for square matrices.");
  return make_cholesky(a, upper, to_stream(s));
}

Array cholesky_inv(const Array& l, bool upper, StreamOrDevice sd) {
  check_matrix(l, "cholesky_inv", true, "Cholesky inverse is only defined for square matrices.");
  Stream s = to_stream(sd);
  Array li = make_inverse(l, true, upper, s);
  Array lt = swapaxes(li, -1, -2, s);
  // A = L L^T => A^-1 = L^-T L^-1;  A = U^T U => A^-1 = U^-1 U^-T.
  return upper ? matmul(li, lt, s) : matmul(lt, li, s);
}

std::vector<Array> qr(const Array& a, StreamOrDevice s) {
  check_matrix(a, "qr", false);
  return make_qrf(a, to_stream(s));
}

std::vector<Array> svd(const Array& a, bool compute_uv, StreamOrDevice s) {
  check_matrix(a, "svd", false);
  return make_svd(a, compute_uv, to_stream(s));
}

Array pinv(const Array& a, StreamOrDevice sd) {
  check_matrix(a, "pinv", false);
  Stream s = to_stream(sd);
  const int64_t M = a.shape(-2), N = a.shape(-1), K = std::min(M, N);
  auto usv = make_svd(a, true, s);
  Shape st(a.ndim(), 0), one(a.ndim(), 1), e = usv[0].shape();
  e[a.ndim() - 1] = K;
  Array ut = swapaxes(slice(usv[0], st, e, one, s), -1, -2, s);  // K x M
  e = usv[2].shape();
  e[a.ndim() - 2] = K;
  Array v = swapaxes(slice(usv[2], st, e, one, s), -1, -2, s);  // N x K
  Array sv = expand_dims(usv[1], {-2}, s);
  const double eps = a.dtype() == Dtype::float64 ? 2.220446049250313e-16 : 1.1920929e-07;
  Array cutoff = multiply(Array::scalar(10.0 * std::max(M, N) * eps, a.dtype()), max(sv, std::vector<int>{-1}, true, s), s);
  Array rs = where(greater(sv, cutoff, s), reciprocal(sv, s), Array::scalar(0.0, a.dtype()), s);
  if (K == 0) {
    Shape o = a.shape();
    std::swap(o[a.ndim() - 1], o[a.ndim() - 2]);
    return zeros(o, a.dtype(), s);
  }
  return matmul(multiply(v, rs, s), ut, s);
}

Array cross(const Array& a, const Array& b, int axis, StreamOrDevice sd) {
  Stream s = to_stream(sd);
  const int aa = normalize_axis(axis, a.ndim(), "linalg::cross");
  const int ab = normalize_axis(axis, b.ndim(), "linalg::cross");
  const int64_t na = a.shape(aa), nb = b.shape(ab);
  if ((na != 2 && na != 3) || (nb != 2 && nb != 3))
    throw_error(ErrorCode::shape, tag("cross") + "The specified axis must have size 2 or 3.");
  auto comps = [&](const Array& x, int ax) {
    std::vector<Array> c;
    for (int64_t i = 0; i < x.shape(ax); i++) {
      Shape st(x.ndim(), 0), e = x.shape(), one(x.ndim(), 1);
      st[ax] = i, e[ax] = i + 1;
      c.push_back(slice(x, st, e, one, s));
    }
    if (c.size() == 2) c.push_back(zeros_like(c[0], s));
    return c;
  };
  auto x = comps(a, aa), y = comps(b, ab);
  const bool two = na == 2 && nb == 2;
  std::vector<Array> out;
  if (two) {
    out.push_back(zeros_like(multiply(x[0], y[0], s), s));
    out.push_back(out[0]);
  } else {
    out.push_back(subtract(multiply(x[1], y[2], s), multiply(x[2], y[1], s), s));
    out.push_back(subtract(multiply(x[2], y[0], s), multiply(x[0], y[2], s), s));
  }
  out.push_back(subtract(multiply(x[0], y[1], s), multiply(x[1], y[0], s), s));
  // The axis counted from the end is the same in the broadcast result.
  return concatenate(out, aa - a.ndim(), s);
}

std::vector<Array> eigh(const Array& a, const std::string& uplo, StreamOrDevice s) {
  check_matrix(a, "eigh", true);
  if (uplo != "L" && uplo != "U")
    throw_error(ErrorCode::invalid_argument, tag("eigh") + "UPLO must be 'L' or 'U'.");
  return make_eigh(a, uplo[0], true, to_stream(s));
}

Array eigvalsh(const Array& a, const std::string& uplo, StreamOrDevice s) {
  check_matrix(a, "eigvalsh", true);
  if (uplo != "L" && uplo != "U")
    throw_error(ErrorCode::invalid_argument, tag("eigvalsh") + "UPLO must be 'L' or 'U'.");
  return make_eigh(a, uplo[0], false, to_stream(s))[0];
}

std::vector<Array> eig(const Array& a, StreamOrDevice s) {
  check_matrix(a, "eig", true);
  return make_eig(a, true, to_stream(s));
}

Array eigvals(const Array& a, StreamOrDevice s) {
  check_matrix(a, "eigvals", true);
  return make_eig(a, false, to_stream(s))[0];
}

std::vector<Array> lu(const Array& a, StreamOrDevice s) {
  check_matrix(a, "lu", false);
  return make_luf(a, LUF::Mode::split, to_stream(s));
}

std::vector<Array> lu_factor(const Array& a, StreamOrDevice s) {
  check_matrix(a, "lu_factor", false);
  return make_luf(a, LUF::Mode::factor, to_stream(s));
}

namespace {

// Shared checks of solve / solve_triangular; returns (a, b) in the common float dtype.
std::pair<Array, Array> solve_args(const Array& a, const Array& b, const char* op, Stream s) {
  const Dtype dt = promote_types(a.dtype(), b.dtype());
  if (dt != Dtype::float32 && dt != Dtype::float64)
    throw_error(ErrorCode::dtype, tag(op) + "Input arrays must promote to float32 or float64. Received arrays with type " +
                                      dtype_name(a.dtype()) + " and " + dtype_name(b.dtype()) + ".");
  if (a.ndim() < 2 || a.shape(-1) != a.shape(-2))
    throw_error(ErrorCode::shape, tag(op) + "First input must be a square matrix. Received array with shape " +
                                      shape_str(a.shape()) + ".");
  if (b.ndim() < 1)
    throw_error(ErrorCode::shape, tag(op) + "Second input must have >= 1 dimensions.");
  const int64_t rows = b.ndim() == 1 ? b.shape(0) : b.shape(-2);
  if (rows != a.shape(-1))
    throw_error(ErrorCode::shape, tag(op) + "Last dimension of first input with shape " + shape_str(a.shape()) +
                                      " must match second to last dimension of second input with shape " +
                                      shape_str(b.shape()) + ".");
  return {astype(a, dt, s), astype(b, dt, s)};
}

}  // namespace

Array solve(const Array& a, const Array& b, StreamOrDevice sd) {
  Stream s = to_stream(sd);
  auto [x, y] = solve_args(a, b, "solve", s);
  return matmul(make_inverse(x, false, false, s), y, s);
}

Array solve_triangular(const Array& a, const Array& b, bool upper, StreamOrDevice sd) {
  Stream s = to_stream(sd);
  auto [x, y] = solve_args(a, b, "solve_triangular", s);
  return matmul(make_inverse(x, true, upper, s), y, s);
}

namespace {
Array det_input(const Array& a, const char* op, Stream s) {
  if (a.ndim() < 2)
    throw_error(ErrorCode::shape, tag(op) + "Arrays must have >= 2 dimensions. Received array with " +
                                      std::to_string(a.ndim()) + " dimensions.");
  if (a.shape(-1) != a.shape(-2))
    throw_error(ErrorCode::shape, tag(op) + "Only defined for square matrices. Received array with shape " +
                                      shape_str(a.shape()) + ".");
  if (a.dtype() == Dtype::float32 || a.dtype() == Dtype::float64) return a;
  if (is_inexact(a.dtype()) && !is_floating(a.dtype()))
    throw_error(ErrorCode::dtype, tag(op) + "Complex inputs are not supported.");
  return astype(a, Dtype::float32, s);
}
}  // namespace

Array det(const Array& a, StreamOrDevice sd) {
  Stream s = to_stream(sd);
  return make_luf(det_input(a, "det", s), LUF::Mode::det, s)[0];
}

std::vector<Array> slogdet(const Array& a, StreamOrDevice sd) {
  Stream s = to_stream(sd);
  return make_luf(det_input(a, "slogdet", s), LUF::Mode::slogdet, s);
}

}  // namespace mlx::linalg
