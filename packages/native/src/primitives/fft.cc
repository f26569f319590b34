#include "fft.h"

#include "../ops/shape.h"
#include "vmap_util.h"

namespace mlx {

namespace {

using V = std::vector<Array>;

Array make_fft(const Shape& shape, Dtype dt, Stream s, std::vector<int> axes, bool inverse, bool real, double scale,
               const Array& x, int64_t real_n = 0) {
  return Array(shape, dt, std::make_shared<FFT>(s, std::move(axes), inverse, real, scale, real_n), {x});
}

// x * f for an array with a size-1 axis `ax`: a length-1 transform is the identity times its scale.
Array scale_unit_axis(const Array& x, int ax, double f, Stream s) {
  return make_fft(x.shape(), Dtype::complex64, s, {ax}, false, false, f, x);
}

}  // namespace

bool FFT::is_equivalent(const Primitive& o) const {
  auto p = dynamic_cast<const FFT*>(&o);
  return p && p->axes_ == axes_ && p->inverse_ == inverse_ && p->real_ == real_ && p->scale_ == scale_ && p->real_n_ == real_n_;
}

// The transform is (real-)linear: the tangent goes through the same transform.
V FFT::jvp(const V& primals, const V& tangents, const std::vector<int>&) {
  const Array& x = primals[0];
  return {make_fft(output_shape(x.shape()), real_ && inverse_ ? Dtype::float32 : Dtype::complex64, stream(), axes_,
                   inverse_, real_, scale_, astype(tangents[0], x.dtype(), stream()), real_n_)};
}

// Adjoints (MLX's convention, checked against MLX): a complex transform's adjoint is the
// unnormalised transform in the other direction; rfft's is the real part of the inverse
// complex transform of the zero-padded cotangent; irfft's is rfft with the bins that appear
// twice in the Hermitian extension doubled.
V FFT::vjp(const V& primals, const V& cot, const std::vector<int>&, const V&) {
  const Array& x = primals[0];
  const Array& g = cot[0];
  Stream s = stream();
  if (!real_) return {make_fft(x.shape(), Dtype::complex64, s, axes_, !inverse_, false, scale_, g)};
  const int ax = axes_.back();
  const Shape zeros(x.ndim(), 0), ones(x.ndim(), 1);
  if (!inverse_) {
    Array pad = full(x.shape(), Array::scalar(0.0, Dtype::complex64), Dtype::complex64, s);
    Array gp = slice_update(pad, astype(g, Dtype::complex64, s), zeros, g.shape(), ones, s);
    return {astype(make_fft(x.shape(), Dtype::complex64, s, axes_, true, false, scale_, gp), Dtype::float32, s)};
  }
  const int64_t m = x.shape(ax), n = g.shape(ax);
  Array r = make_fft(x.shape(), Dtype::complex64, s, axes_, false, true, 2 * scale_, astype(g, Dtype::float32, s), n);
  // Bins 0 and (even n) n/2 appear once: halve them back.
  std::vector<int64_t> once{0};
  if (n % 2 == 0 && m - 1 > 0) once.push_back(m - 1);
  for (int64_t k : once) {
    Shape b = zeros, e = x.shape();
    b[ax] = k;
    e[ax] = k + 1;
    r = slice_update(r, scale_unit_axis(slice(r, b, e, ones, s), ax, 0.5, s), b, e, ones, s);
  }
  return {r};
}

std::pair<V, std::vector<int>> FFT::vmap(const V& in, const std::vector<int>& ax) {
  Array x = batch_to_front(in[0], ax[0]);
  std::vector<int> axes;
  for (int a : axes_) axes.push_back(a + 1);
  auto prim = std::make_shared<FFT>(stream(), axes, inverse_, real_, scale_, real_n_);
  Shape out = prim->output_shape(x.shape());
  return {{Array(out, real_ && inverse_ ? Dtype::float32 : Dtype::complex64, prim, {x})}, {0}};
}

}  // namespace mlx
