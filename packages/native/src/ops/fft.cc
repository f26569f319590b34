#include "fft.h"

#include <cmath>
#include <numeric>
#include <set>

#include "../primitives/fft.h"
#include "shape.h"

namespace mlx::fft {

namespace {

template <typename T> std::string tuple_str(const std::vector<T>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); i++) {
    if (i) s += ",";
    s += std::to_string(v[i]);
  }
  s += v.size() == 1 ? ",)" : ")";
  return s;
}

// Scale of the unnormalised transform for a norm mode; `count` is the product of the sizes.
double norm_scale(Norm norm, bool inverse, double count) {
  switch (norm) {
    case Norm::ortho: return 1.0 / std::sqrt(count);
    case Norm::forward: return inverse ? 1.0 : 1.0 / count;
    default: return inverse ? 1.0 / count : 1.0;
  }
}

}  // namespace

Norm parse_norm(const std::string& norm, const char* op) {
  if (norm == "backward") return Norm::backward;
  if (norm == "ortho") return Norm::ortho;
  if (norm == "forward") return Norm::forward;
  throw_error(ErrorCode::invalid_argument,
              std::string("[") + op + "] Invalid norm. Expected one of {'backward', 'ortho', 'forward'}.");
}

Array fft_op(const Array& a, const std::optional<Shape>& n_opt, const std::optional<std::vector<int>>& axes_opt,
             bool real, bool inverse, Norm norm, const char* op, StreamOrDevice s) {
  const std::string tag = std::string("[") + op + "] ";
  if (!axes_opt && n_opt)
    throw_error(ErrorCode::invalid_argument, tag + "`axes` should not be `None` if `s` is not `None`.");
  check(a.ndim() >= 1, ErrorCode::shape, tag + "Requires array with at least one dimension.");
  std::vector<int> axes;
  if (axes_opt) axes = *axes_opt;
  else axes.resize(a.ndim()), std::iota(axes.begin(), axes.end(), 0);
  if (n_opt && n_opt->size() != axes.size())
    throw_error(ErrorCode::invalid_argument, tag + "Shape and axes have different sizes.");
  if (axes.empty()) return a;
  std::vector<int> valid;
  for (int ax : axes) {
    int v = ax < 0 ? ax + a.ndim() : ax;
    if (v < 0 || v >= a.ndim())
      throw_error(ErrorCode::index, tag + "Invalid axis " + std::to_string(ax) + " received for array with " +
                                        std::to_string(a.ndim()) + " dimensions.");
    valid.push_back(v);
  }
  if (std::set<int>(valid.begin(), valid.end()).size() != valid.size())
    throw_error(ErrorCode::invalid_argument, tag + "Duplicated axis received " + tuple_str(axes));
  Shape n;
  if (n_opt) {
    n = *n_opt;
  } else {
    for (int ax : valid) n.push_back(a.shape(ax));
    if (real && inverse) n.back() = (n.back() - 1) * 2;
  }
  for (auto v : n)
    if (v <= 0) {
      throw_error(ErrorCode::invalid_argument, tag + "Invalid FFT output size requested " + tuple_str(n));
    }

  Shape in_shape = a.shape();
  for (size_t i = 0; i < valid.size(); i++) in_shape[valid[i]] = n[i];
  if (real && inverse) in_shape[valid.back()] = n.back() / 2 + 1;
  Array in = a;
  bool less = false, greater = false;
  for (int i = 0; i < a.ndim(); i++) less |= in_shape[i] < a.shape(i), greater |= in_shape[i] > a.shape(i);
  const Shape zeros(a.ndim(), 0), ones(a.ndim(), 1);
  if (less) {
    Shape stop = a.shape();
    for (int i = 0; i < a.ndim(); i++) stop[i] = std::min(stop[i], in_shape[i]);
    in = slice(in, zeros, stop, ones, s);
  }
  if (greater) {
    Array pad = full(in_shape, Array::scalar(0.0, a.dtype()), a.dtype(), s);
    in = slice_update(pad, in, zeros, in.shape(), ones, s);
  }
  Shape out_shape = in_shape;
  if (real) out_shape[valid.back()] = inverse ? n.back() : n.back() / 2 + 1;
  double count = 1;
  for (auto v : n) count *= (double)v;
  Dtype in_type = real && !inverse ? Dtype::float32 : Dtype::complex64;
  Dtype out_type = real && inverse ? Dtype::float32 : Dtype::complex64;
  return Array(out_shape, out_type,
               std::make_shared<FFT>(to_stream(s), valid, inverse, real, norm_scale(norm, inverse, count),
                                     real ? n.back() : 0),
               {astype(in, in_type, s)});
}

#define MLX_FFT_FAMILY(NAME, REAL, INV)                                                                 \
  Array NAME(const Array& a, const Shape& n, const std::vector<int>& axes, Norm norm, StreamOrDevice s) { \
    return fft_op(a, n, axes, REAL, INV, norm, #NAME, s);                                               \
  }                                                                                                     \
  Array NAME(const Array& a, const std::vector<int>& axes, Norm norm, StreamOrDevice s) {               \
    return fft_op(a, std::nullopt, axes, REAL, INV, norm, #NAME, s);                                    \
  }                                                                                                     \
  Array NAME(const Array& a, Norm norm, StreamOrDevice s) {                                             \
    return fft_op(a, std::nullopt, std::nullopt, REAL, INV, norm, #NAME, s);                            \
  }
MLX_FFT_FAMILY(fftn, false, false)
MLX_FFT_FAMILY(ifftn, false, true)
MLX_FFT_FAMILY(rfftn, true, false)
MLX_FFT_FAMILY(irfftn, true, true)
#undef MLX_FFT_FAMILY

#define MLX_FFT_1D(NAME, REAL, INV)                                                           \
  Array NAME(const Array& a, std::optional<int64_t> n, int axis, Norm norm, StreamOrDevice s) { \
    std::optional<Shape> ns;                                                                  \
    if (n) ns = Shape{*n};                                                                    \
    return fft_op(a, ns, std::vector<int>{axis}, REAL, INV, norm, #NAME, s);                  \
  }
MLX_FFT_1D(fft, false, false)
MLX_FFT_1D(ifft, false, true)
MLX_FFT_1D(rfft, true, false)
MLX_FFT_1D(irfft, true, true)
#undef MLX_FFT_1D

namespace {

Array roll_axes(const Array& a, const std::optional<std::vector<int>>& axes_opt, bool inverse, const char* op,
                StreamOrDevice s) {
  std::vector<int> axes;
  if (axes_opt) axes = *axes_opt;
  else axes.resize(a.ndim()), std::iota(axes.begin(), axes.end(), 0);
  Array x = a;
  for (int ax : axes) {
    int v = ax < 0 ? ax + a.ndim() : ax;
    if (v < 0 || v >= a.ndim())
      throw_error(ErrorCode::index, std::string("[") + op + "] Invalid axis " + std::to_string(ax) +
                                        " for array with " + std::to_string(a.ndim()) + " dimensions.");
    int64_t len = a.shape(v);
    int64_t k = len ? (inverse ? (len + 1) / 2 : len / 2) % len : 0;
    if (k == 0) continue;
    // roll by k: the last k entries come first
    Shape b(a.ndim(), 0), e = x.shape(), st(a.ndim(), 1);
    b[v] = len - k;
    Array tail = slice(x, b, e, st, s);
    b[v] = 0;
    e[v] = len - k;
    Array head = slice(x, b, e, st, s);
    x = concatenate({tail, head}, v, s);
  }
  return x;
}

}  // namespace

Array fftshift(const Array& a, const std::optional<std::vector<int>>& axes, StreamOrDevice s) {
  return roll_axes(a, axes, false, "fftshift", s);
}
Array ifftshift(const Array& a, const std::optional<std::vector<int>>& axes, StreamOrDevice s) {
  return roll_axes(a, axes, true, "ifftshift", s);
}

}  // namespace mlx::fft
