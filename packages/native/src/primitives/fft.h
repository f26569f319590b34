// The FFT primitive (MLX's FFT): a transform over `axes`, complex-to-complex, real-to-complex
// (real && !inverse, the last axis halved) or complex-to-real (real && inverse). The output is
// the unnormalised transform times `scale` (the op folds the norm mode into it).
#pragma once
#include "../engine/primitive.h"

namespace mlx {

class FFT : public Primitive {
 public:
  // real_n: the real length along the last axis (real transforms; irfft's output size).
  FFT(Stream s, std::vector<int> axes, bool inverse, bool real, double scale, int64_t real_n = 0)
      : Primitive(s), axes_(std::move(axes)), inverse_(inverse), real_(real), scale_(scale), real_n_(real_n) {}
  const char* name() const override { return "FFT"; }
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  MLX_DECLARE_VMAP
  bool is_equivalent(const Primitive& o) const override;
  const std::vector<int>& axes() const { return axes_; }
  bool inverse() const { return inverse_; }
  bool real() const { return real_; }
  double scale() const { return scale_; }
  int64_t real_n() const { return real_n_; }
  // Output shape for an input of shape `in`.
  Shape output_shape(Shape in) const {
    if (real_) in[axes_.back()] = inverse_ ? real_n_ : real_n_ / 2 + 1;
    return in;
  }

 private:
  std::vector<int> axes_;
  bool inverse_, real_;
  double scale_;
  int64_t real_n_;
};

}  // namespace mlx
