#include "conv.h"

#include "../primitives/conv.h"
#include "shape.h"

namespace mlx {

namespace {

std::string vec_str(const std::vector<int>& v) {
  std::string r = "(";
  for (size_t i = 0; i < v.size(); i++) {
    if (i) r.push_back(',');
    r.append(std::to_string(v[i]));
  }
  return r + ")";
}

// Size 0/1 -> one value per spatial dim; otherwise the size must match.
void expand(std::vector<int>& v, int nd, int dflt, const char* what) {
  if (v.size() <= 1) {
    v = std::vector<int>(nd, v.empty() ? dflt : v[0]);
  } else if ((int)v.size() != nd) {
    throw_error(ErrorCode::invalid_argument, std::string("[conv] Invalid ") + what + " " + vec_str(v) + " for " +
                                                 std::to_string(nd) + "D convolution.");
  }
}

void check_positive(const std::vector<int>& v, const char* what, const char* plural) {
  for (int x : v)
    if (x <= 0)
      throw_error(ErrorCode::invalid_argument,
                  std::string("[conv] ") + what + " sizes must be positive. Got " + plural + " " + vec_str(v) + ".");
}

void run_conv_checks(const Array& in, const Array& wt, int nd, int groups) {
  if (!is_floating(in.dtype()))
    throw_error(ErrorCode::dtype, std::string("[conv] Invalid input array with type ") + dtype_name(in.dtype()) +
                                      ". Convolution currently only supports floating point types");
  if (in.ndim() != nd + 2)
    throw_error(ErrorCode::shape, "[conv] Invalid input array with " + std::to_string(in.ndim()) +
                                      " dimensions for " + std::to_string(nd) + "D convolution. Expected an array with " +
                                      std::to_string(nd + 2) + " dimensions following the format [N, ..., C_in].");
  if (wt.ndim() != nd + 2)
    throw_error(ErrorCode::shape, "[conv] Invalid weight array with " + std::to_string(wt.ndim()) +
                                      " dimensions for " + std::to_string(nd) + "D convolution. Expected an array with " +
                                      std::to_string(nd + 2) + " dimensions following the format [C_out, ..., C_in].");
  int64_t C = in.shape(-1);
  if (C % groups != 0)
    throw_error(ErrorCode::shape, "[conv] The input channels must be divisible by the number of groups. Got input "
                                  "with shape " + shape_str(in.shape()) + " and " + std::to_string(groups) + " groups.");
  if (groups > 1 && wt.shape(0) % groups != 0)
    throw_error(ErrorCode::shape, "[conv] If groups > 1, the output channels must be divisible by the number of "
                                  "groups. Got " + std::to_string(wt.shape(0)) + " output channels and " +
                                      std::to_string(groups) + " groups.");
  if (C != groups * wt.shape(-1)) {
    if (groups == 1)
      throw_error(ErrorCode::shape, "[conv] Expect the input channels in the input and weight array to match but got "
                                    "shapes - input: " + shape_str(in.shape()) + " and weight: " + shape_str(wt.shape()));
    throw_error(ErrorCode::shape, "[conv] Given groups=" + std::to_string(groups) + " and weights of shape " +
                                      shape_str(wt.shape()) + ", expected to have " +
                                      std::to_string(groups * wt.shape(-1)) + " input channels but got " +
                                      std::to_string(C) + " input channels instead.");
  }
}

}  // namespace

Array conv_general(Array in, Array wt, std::vector<int> stride, std::vector<int> padding_lo,
                   std::vector<int> padding_hi, std::vector<int> kernel_dilation, std::vector<int> input_dilation,
                   int groups, bool flip, StreamOrDevice s) {
  if (groups < 1)
    throw_error(ErrorCode::invalid_argument, "[conv] groups must be a positive integer. Got " + std::to_string(groups) + ".");
  int nd = in.ndim() - 2;
  if (nd < 1 || nd > 3)
    throw_error(ErrorCode::shape, "[conv] Only works for inputs with 1-3 spatial dimensions. The inputs must be in "
                                  "the format [N, ..., C_in]");
  run_conv_checks(in, wt, nd, groups);
  Dtype dt = promote_types(in.dtype(), wt.dtype());
  in = astype(in, dt, s);
  wt = astype(wt, dt, s);

  expand(stride, nd, 1, "strides");
  if ((padding_lo.size() > 1 && padding_lo.size() != (size_t)nd) || (padding_hi.size() > 1 && padding_hi.size() != (size_t)nd))
    throw_error(ErrorCode::invalid_argument, "[conv] Invalid padding " + vec_str(padding_lo) + " | " +
                                                 vec_str(padding_hi) + " for " + std::to_string(nd) + "D convolution.");
  expand(padding_lo, nd, 0, "padding");
  expand(padding_hi, nd, 0, "padding");
  expand(kernel_dilation, nd, 1, "kernel dilation");
  expand(input_dilation, nd, 1, "input dilation");
  check_positive(stride, "Stride", "strides");
  check_positive(kernel_dilation, "Kernel dilation", "kernel dilation");
  check_positive(input_dilation, "Input dilation", "input dilation");

  // Negative padding crops the (undilated) input, as MLX does.
  Shape start(in.ndim(), 0), stop = in.shape();
  bool crop = false;
  for (int i = 0; i < nd; i++) {
    if (padding_lo[i] < 0) start[i + 1] = std::min<int64_t>(-padding_lo[i], in.shape(i + 1)), padding_lo[i] = 0, crop = true;
    if (padding_hi[i] < 0) stop[i + 1] = std::max<int64_t>(in.shape(i + 1) + padding_hi[i], start[i + 1]), padding_hi[i] = 0, crop = true;
  }
  if (crop) in = slice(in, start, stop, Shape(in.ndim(), 1), s);

  ConvParams p{stride, padding_lo, padding_hi, kernel_dilation, input_dilation, groups, flip};
  return conv_node(in, wt, std::move(p), to_stream(s));
}

Array conv_nd(int nd, const Array& in, const Array& wt, std::vector<int> stride, std::vector<int> padding,
              std::vector<int> dilation, int groups, StreamOrDevice s) {
  // conv1d/2d/3d take one value or one per dim (MLX's tuples); conv_general validates against the input.
  expand(stride, nd, 1, "strides");
  expand(padding, nd, 0, "padding");
  expand(dilation, nd, 1, "kernel dilation");
  return conv_general(in, wt, stride, padding, padding, dilation, std::vector<int>(nd, 1), groups, false, s);
}

Array conv_transpose_nd(int nd, const Array& in, const Array& wt, std::vector<int> stride, std::vector<int> padding,
                        std::vector<int> dilation, std::vector<int> output_padding, int groups, StreamOrDevice s) {
  expand(stride, nd, 1, "strides");
  expand(padding, nd, 0, "padding");
  expand(dilation, nd, 1, "kernel dilation");
  expand(output_padding, nd, 0, "output padding");
  if (in.ndim() != nd + 2 || wt.ndim() != nd + 2) {
    // Let conv_general report the dimension mismatch with MLX's message.
    return conv_general(in, wt, stride, padding, padding, dilation, std::vector<int>(nd, 1), groups, true, s);
  }
  std::vector<int> lo(nd), hi(nd);
  for (int i = 0; i < nd; i++) {
    // The gradient of a strided convolution: the input dilated by the stride, the kernel flipped.
    int kspan = dilation[i] * (int)(wt.shape(1 + i) - 1);
    lo[i] = kspan - padding[i];
    int out_len = (int)(in.shape(i + 1) - 1) * stride[i] - 2 * padding[i] + kspan + 1;
    int dil_len = stride[i] * (int)(in.shape(1 + i) - 1) + 1;
    hi[i] = out_len - dil_len + padding[i] + output_padding[i];
  }
  return conv_general(in, wt, std::vector<int>(nd, 1), lo, hi, dilation, stride, groups, true, s);
}

Array convolve(const Array& a, const Array& v, const std::string& mode, StreamOrDevice s) {
  if (a.ndim() != 1 || v.ndim() != 1) throw_error(ErrorCode::shape, "[convolve] Inputs must be 1D.");
  if (a.size() == 0 || v.size() == 0) throw_error(ErrorCode::shape, "[convolve] Inputs cannot be empty.");
  if (mode != "full" && mode != "same" && mode != "valid")
    throw_error(ErrorCode::invalid_argument, "[convolve] Invalid mode.");
  const Array& in = a.size() < v.size() ? v : a;
  const Array& w = a.size() < v.size() ? a : v;
  int k = (int)w.size();
  int lo = 0, hi = 0;
  if (mode == "full") lo = hi = k - 1;
  else if (mode == "same") lo = k / 2, hi = (k % 2) ? k / 2 : std::max(0, k / 2 - 1);
  // The kernel is reversed (true convolution): flip = true.
  Array out = conv_general(reshape(in, {1, in.size(), 1}, s), reshape(w, {1, (int64_t)k, 1}, s), {1}, {lo}, {hi}, {1},
                           {1}, 1, true, s);
  return reshape(out, {-1}, s);
}

}  // namespace mlx
