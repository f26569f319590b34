// mx.fft: fft/ifft/rfft/irfft (a, n, axis, norm), the 2-D and n-D variants (a, s, axes, norm),
// fftshift/ifftshift (a, axes). `undefined` takes MLX's default; `null` for axes means None.
#include "../ops/fft.h"
#include "convert.h"

namespace mlx::js {

namespace {

using fft::Norm;

Norm norm_arg(const Napi::CallbackInfo& i, size_t k, const char* op) {
  if (is_nullish(i, k)) return Norm::backward;
  check(i[k].IsString(), ErrorCode::invalid_argument, std::string("[") + op + "] norm must be a string.");
  return fft::parse_norm(i[k].As<Napi::String>().Utf8Value(), op);
}

std::optional<Shape> sizes_arg(const Napi::CallbackInfo& i, size_t k) {
  if (is_nullish(i, k)) return std::nullopt;
  if (i[k].IsNumber()) return Shape{to_int64(i[k], "n")};
  check(i[k].IsArray(), ErrorCode::invalid_argument, "Expected a list of integers for s.");
  auto a = i[k].As<Napi::Array>();
  Shape s(a.Length());
  for (uint32_t j = 0; j < a.Length(); j++) s[j] = to_int64(a.Get(j), "s");
  return s;
}

// 1-D: (a, n?, axis = -1, norm?, stream?)
template <bool REAL, bool INV>
Napi::Value one_d(const Napi::CallbackInfo& i, const char* op) {
  auto n = sizes_arg(i, 1);
  int axis = is_nullish(i, 2) ? -1 : to_int(i[2], "axis");
  return wrap(i.Env(), fft::fft_op(to_array(i, 0), n, std::vector<int>{axis}, REAL, INV, norm_arg(i, 3, op), op,
                                   to_stream(i, 4)));
}

// 2-D / n-D: (a, s?, axes?, norm?, stream?); axes undefined: the default (2-D: [-2, -1]).
template <bool REAL, bool INV>
Napi::Value n_d(const Napi::CallbackInfo& i, const char* op, bool two) {
  auto s = sizes_arg(i, 1);
  std::optional<std::vector<int>> axes;
  bool undef = i.Length() <= 2 || i[2].IsUndefined();
  if (!is_nullish(i, 2)) axes = to_int_vec(i[2], "axes");
  else if (two && undef) axes = std::vector<int>{-2, -1};
  return wrap(i.Env(), fft::fft_op(to_array(i, 0), s, axes, REAL, INV, norm_arg(i, 3, op), op, to_stream(i, 4)));
}

Napi::Value fft_js(const Napi::CallbackInfo& i) { return one_d<false, false>(i, "fft"); }
Napi::Value ifft_js(const Napi::CallbackInfo& i) { return one_d<false, true>(i, "ifft"); }
Napi::Value rfft_js(const Napi::CallbackInfo& i) { return one_d<true, false>(i, "rfft"); }
Napi::Value irfft_js(const Napi::CallbackInfo& i) { return one_d<true, true>(i, "irfft"); }
Napi::Value fft2_js(const Napi::CallbackInfo& i) { return n_d<false, false>(i, "fft2", true); }
Napi::Value ifft2_js(const Napi::CallbackInfo& i) { return n_d<false, true>(i, "ifft2", true); }
Napi::Value rfft2_js(const Napi::CallbackInfo& i) { return n_d<true, false>(i, "rfft2", true); }
Napi::Value irfft2_js(const Napi::CallbackInfo& i) { return n_d<true, true>(i, "irfft2", true); }
Napi::Value fftn_js(const Napi::CallbackInfo& i) { return n_d<false, false>(i, "fftn", false); }
Napi::Value ifftn_js(const Napi::CallbackInfo& i) { return n_d<false, true>(i, "ifftn", false); }
Napi::Value rfftn_js(const Napi::CallbackInfo& i) { return n_d<true, false>(i, "rfftn", false); }
Napi::Value irfftn_js(const Napi::CallbackInfo& i) { return n_d<true, true>(i, "irfftn", false); }

std::optional<std::vector<int>> shift_axes(const Napi::CallbackInfo& i) {
  if (is_nullish(i, 1)) return std::nullopt;
  return to_int_vec(i[1], "axes");
}
Napi::Value fftshift_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), fft::fftshift(to_array(i, 0), shift_axes(i), to_stream(i, 2)));
}
Napi::Value ifftshift_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), fft::ifftshift(to_array(i, 0), shift_axes(i), to_stream(i, 2)));
}

}  // namespace

MLX_BIND("fftFft", fft_js);
MLX_BIND("fftIfft", ifft_js);
MLX_BIND("fftRfft", rfft_js);
MLX_BIND("fftIrfft", irfft_js);
MLX_BIND("fftFft2", fft2_js);
MLX_BIND("fftIfft2", ifft2_js);
MLX_BIND("fftRfft2", rfft2_js);
MLX_BIND("fftIrfft2", irfft2_js);
MLX_BIND("fftFftn", fftn_js);
MLX_BIND("fftIfftn", ifftn_js);
MLX_BIND("fftRfftn", rfftn_js);
MLX_BIND("fftIrfftn", irfftn_js);
MLX_BIND("fftFftshift", fftshift_js);
MLX_BIND("fftIfftshift", ifftshift_js);

}  // namespace mlx::js
