// Convolutions with MLX semantics, channels-last: input (N, spatial..., C_in), weight
// (C_out, kernel spatial..., C_in / groups). Parameter vectors of size 1 (or empty) apply to every spatial dim.
#pragma once
#include "common.h"

namespace mlx {

// MLX's conv_general: stride, padding_lo/hi (negative crops), kernel and input dilation, groups, flip.
Array conv_general(Array in, Array wt, std::vector<int> stride = {}, std::vector<int> padding_lo = {},
                   std::vector<int> padding_hi = {}, std::vector<int> kernel_dilation = {},
                   std::vector<int> input_dilation = {}, int groups = 1, bool flip = false, StreamOrDevice s = {});

// conv1d/2d/3d: `nd` spatial dims; stride/padding/dilation of size 1 or nd.
Array conv_nd(int nd, const Array& in, const Array& wt, std::vector<int> stride, std::vector<int> padding,
              std::vector<int> dilation, int groups = 1, StreamOrDevice s = {});
Array conv_transpose_nd(int nd, const Array& in, const Array& wt, std::vector<int> stride, std::vector<int> padding,
                        std::vector<int> dilation, std::vector<int> output_padding, int groups = 1,
                        StreamOrDevice s = {});

inline Array conv1d(const Array& in, const Array& wt, int stride = 1, int padding = 0, int dilation = 1,
                    int groups = 1, StreamOrDevice s = {}) {
  return conv_nd(1, in, wt, {stride}, {padding}, {dilation}, groups, s);
}
inline Array conv2d(const Array& in, const Array& wt, std::vector<int> stride = {1}, std::vector<int> padding = {0},
                    std::vector<int> dilation = {1}, int groups = 1, StreamOrDevice s = {}) {
  return conv_nd(2, in, wt, stride, padding, dilation, groups, s);
}
inline Array conv3d(const Array& in, const Array& wt, std::vector<int> stride = {1}, std::vector<int> padding = {0},
                    std::vector<int> dilation = {1}, int groups = 1, StreamOrDevice s = {}) {
  return conv_nd(3, in, wt, stride, padding, dilation, groups, s);
}

// numpy-style 1-D convolution; mode is "full", "same" or "valid".
Array convolve(const Array& a, const Array& v, const std::string& mode = "full", StreamOrDevice s = {});

}  // namespace mlx
