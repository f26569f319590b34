// Convolutions: conv1d/2d/3d (convNd), transposed (convTransposeNd), conv_general, convolve.
#include "../ops/conv.h"
#include "convert.h"

namespace mlx::js {

namespace {

// A number, a list of numbers, or undefined (empty: the op's default).
std::vector<int> ints(const Napi::CallbackInfo& i, size_t k, const char* what) {
  if (is_nullish(i, k)) return {};
  return to_int_vec(i[k], what);
}
int opt_int(const Napi::CallbackInfo& i, size_t k, int dflt, const char* what) {
  return is_nullish(i, k) ? dflt : to_int(i[k], what);
}

Napi::Value conv_nd_js(const Napi::CallbackInfo& i) {
  int nd = to_int(i[0], "nd");
  return wrap(i.Env(), conv_nd(nd, to_array(i, 1), to_array(i, 2), ints(i, 3, "stride"), ints(i, 4, "padding"),
                               ints(i, 5, "dilation"), opt_int(i, 6, 1, "groups"), to_stream(i, 7)));
}
Napi::Value conv_transpose_nd_js(const Napi::CallbackInfo& i) {
  int nd = to_int(i[0], "nd");
  return wrap(i.Env(), conv_transpose_nd(nd, to_array(i, 1), to_array(i, 2), ints(i, 3, "stride"),
                                         ints(i, 4, "padding"), ints(i, 5, "dilation"),
                                         ints(i, 6, "output_padding"), opt_int(i, 7, 1, "groups"), to_stream(i, 8)));
}
Napi::Value conv_general_js(const Napi::CallbackInfo& i) {
  bool flip = !is_nullish(i, 8) && i[8].ToBoolean().Value();
  return wrap(i.Env(), conv_general(to_array(i, 0), to_array(i, 1), ints(i, 2, "stride"), ints(i, 3, "padding"),
                                    ints(i, 4, "padding"), ints(i, 5, "kernel_dilation"),
                                    ints(i, 6, "input_dilation"), opt_int(i, 7, 1, "groups"), flip, to_stream(i, 9)));
}
Napi::Value convolve_js(const Napi::CallbackInfo& i) {
  std::string mode = is_nullish(i, 2) ? "full" : i[2].ToString().Utf8Value();
  return wrap(i.Env(), convolve(to_array(i, 0), to_array(i, 1), mode, to_stream(i, 3)));
}

}  // namespace

MLX_BIND("convNd", conv_nd_js);
MLX_BIND("convTransposeNd", conv_transpose_nd_js);
MLX_BIND("convGeneral", conv_general_js);
MLX_BIND("convolve", convolve_js);

}  // namespace mlx::js
