// mx.linalg: every function takes its MLX arguments positionally, then an optional stream.
// norm: (a, ord?, axis?, keepdims?, stream?) with ord a number, 'fro', 'nuc' or null.
#include "../ops/linalg.h"
#include "convert.h"

namespace mlx::js {

namespace {

bool flag(const Napi::CallbackInfo& i, size_t k, bool def) {
  if (is_nullish(i, k)) return def;
  check(i[k].IsBoolean(), ErrorCode::invalid_argument, "Expected a boolean flag.");
  return i[k].As<Napi::Boolean>().Value();
}

std::string uplo_arg(const Napi::CallbackInfo& i, size_t k) {
  if (is_nullish(i, k)) return "L";
  check(i[k].IsString(), ErrorCode::invalid_argument, "[linalg::eigh] UPLO must be a string.");
  return i[k].As<Napi::String>().Utf8Value();
}

Napi::Value norm_js(const Napi::CallbackInfo& i) {
  linalg::NormOrd ord;
  if (!is_nullish(i, 1)) {
    if (i[1].IsString()) ord = i[1].As<Napi::String>().Utf8Value();
    else if (i[1].IsNumber()) ord = i[1].As<Napi::Number>().DoubleValue();
    else throw_error(ErrorCode::invalid_argument, "[linalg::norm] ord must be a number or a string.");
  }
  std::optional<std::vector<int>> axis;
  if (!is_nullish(i, 2)) axis = i[2].IsNumber() ? std::vector<int>{to_int(i[2], "axis")} : to_int_vec(i[2], "axis");
  return wrap(i.Env(), linalg::norm(to_array(i, 0), ord, axis, flag(i, 3, false), to_stream(i, 4)));
}

Napi::Value inv_js(const Napi::CallbackInfo& i) { return wrap(i.Env(), linalg::inv(to_array(i, 0), to_stream(i, 1))); }
Napi::Value tri_inv_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), linalg::tri_inv(to_array(i, 0), flag(i, 1, false), to_stream(i, 2)));
}
Napi::Value cholesky_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), linalg::cholesky(to_array(i, 0), flag(i, 1, false), to_stream(i, 2)));
}
Napi::Value cholesky_inv_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), linalg::cholesky_inv(to_array(i, 0), flag(i, 1, false), to_stream(i, 2)));
}
Napi::Value pinv_js(const Napi::CallbackInfo& i) { return wrap(i.Env(), linalg::pinv(to_array(i, 0), to_stream(i, 1))); }
Napi::Value cross_js(const Napi::CallbackInfo& i) {
  int axis = is_nullish(i, 2) ? -1 : to_int(i[2], "axis");
  return wrap(i.Env(), linalg::cross(to_array(i, 0), to_array(i, 1), axis, to_stream(i, 3)));
}
Napi::Value qr_js(const Napi::CallbackInfo& i) { return wrap_vec(i.Env(), linalg::qr(to_array(i, 0), to_stream(i, 1))); }
Napi::Value svd_js(const Napi::CallbackInfo& i) {
  bool uv = flag(i, 1, true);
  auto r = linalg::svd(to_array(i, 0), uv, to_stream(i, 2));
  return uv ? wrap_vec(i.Env(), r) : wrap(i.Env(), r[0]);
}
Napi::Value eigh_js(const Napi::CallbackInfo& i) {
  return wrap_vec(i.Env(), linalg::eigh(to_array(i, 0), uplo_arg(i, 1), to_stream(i, 2)));
}
Napi::Value eigvalsh_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), linalg::eigvalsh(to_array(i, 0), uplo_arg(i, 1), to_stream(i, 2)));
}
Napi::Value eig_js(const Napi::CallbackInfo& i) { return wrap_vec(i.Env(), linalg::eig(to_array(i, 0), to_stream(i, 1))); }
Napi::Value eigvals_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), linalg::eigvals(to_array(i, 0), to_stream(i, 1)));
}
Napi::Value lu_js(const Napi::CallbackInfo& i) { return wrap_vec(i.Env(), linalg::lu(to_array(i, 0), to_stream(i, 1))); }
Napi::Value lu_factor_js(const Napi::CallbackInfo& i) {
  return wrap_vec(i.Env(), linalg::lu_factor(to_array(i, 0), to_stream(i, 1)));
}
Napi::Value solve_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), linalg::solve(to_array(i, 0), to_array(i, 1), to_stream(i, 2)));
}
Napi::Value solve_triangular_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), linalg::solve_triangular(to_array(i, 0), to_array(i, 1), flag(i, 2, false), to_stream(i, 3)));
}
Napi::Value det_js(const Napi::CallbackInfo& i) { return wrap(i.Env(), linalg::det(to_array(i, 0), to_stream(i, 1))); }
Napi::Value slogdet_js(const Napi::CallbackInfo& i) {
  return wrap_vec(i.Env(), linalg::slogdet(to_array(i, 0), to_stream(i, 1)));
}

}  // namespace

MLX_BIND("linalgNorm", norm_js);
MLX_BIND("linalgInv", inv_js);
MLX_BIND("linalgTriInv", tri_inv_js);
MLX_BIND("linalgCholesky", cholesky_js);
MLX_BIND("linalgCholeskyInv", cholesky_inv_js);
MLX_BIND("linalgPinv", pinv_js);
MLX_BIND("linalgCross", cross_js);
MLX_BIND("linalgQr", qr_js);
MLX_BIND("linalgSvd", svd_js);
MLX_BIND("linalgEigh", eigh_js);
MLX_BIND("linalgEigvalsh", eigvalsh_js);
MLX_BIND("linalgEig", eig_js);
MLX_BIND("linalgEigvals", eigvals_js);
MLX_BIND("linalgLu", lu_js);
MLX_BIND("linalgLuFactor", lu_factor_js);
MLX_BIND("linalgSolve", solve_js);
MLX_BIND("linalgSolveTriangular", solve_triangular_js);
MLX_BIND("linalgDet", det_js);
MLX_BIND("linalgSlogdet", slogdet_js);

}  // namespace mlx::js
