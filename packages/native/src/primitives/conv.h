// The Convolution primitive (MLX's Convolution). Inputs {in (N, S..., C), wt (O, K..., C/groups)}, one dtype;
// output (N, S'..., O). In the input-dilated coordinates (element i of in sits at i * input_dilation),
//   out[n, o, oc] = sum_{k, c} in_dil[n, o * stride + k * kernel_dilation - padding_lo, g*Cg + c] * wt[oc, k', c]
// with k' = flip ? K-1-k : k and g = oc / (O/groups). Padding may be negative here (it just crops):
// the op layer slices negative user padding like MLX, the transform rules use it directly.
#pragma once
#include "../engine/primitive.h"

namespace mlx {

struct ConvParams {
  std::vector<int> stride, padding_lo, padding_hi, kernel_dilation, input_dilation;
  int groups = 1;
  bool flip = false;
  bool operator==(const ConvParams&) const = default;
};

class Convolution : public Primitive {
 public:
  Convolution(Stream s, ConvParams p) : Primitive(s), p_(std::move(p)) {}
  const char* name() const override { return "Convolution"; }
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  MLX_DECLARE_VMAP
  MLX_DECLARE_OUTPUT_SHAPES
  bool is_equivalent(const Primitive& o) const override;
  const ConvParams& params() const { return p_; }

 private:
  ConvParams p_;
};

// Output shape of a convolution (throws a shape error when the padded input is smaller than the kernel).
Shape conv_out_shape(const Shape& in, const Shape& wt, const ConvParams& p);

// Builds a Convolution node directly (no validation beyond the output shape; padding may be negative).
Array conv_node(const Array& in, const Array& wt, ConvParams p, Stream s);

}  // namespace mlx
