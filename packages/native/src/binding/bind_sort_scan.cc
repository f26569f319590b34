// Sorting and scans. A null/undefined axis means axis=None (flatten), as in MLX; the TS layer
// applies MLX's defaults (-1 for sorts, None for scans) before calling.
#include "../ops/scan.h"
#include "../ops/sort.h"
#include "convert.h"

namespace mlx::js {

namespace {

bool flag(const Napi::CallbackInfo& i, size_t k, bool dflt) { return is_nullish(i, k) ? dflt : i[k].ToBoolean().Value(); }

Napi::Value sort_js(const Napi::CallbackInfo& i) {
  if (is_nullish(i, 1)) return wrap(i.Env(), sort(to_array(i, 0), to_stream(i, 2)));
  return wrap(i.Env(), sort(to_array(i, 0), to_int(i[1], "axis"), to_stream(i, 2)));
}
Napi::Value argsort_js(const Napi::CallbackInfo& i) {
  if (is_nullish(i, 1)) return wrap(i.Env(), argsort(to_array(i, 0), to_stream(i, 2)));
  return wrap(i.Env(), argsort(to_array(i, 0), to_int(i[1], "axis"), to_stream(i, 2)));
}
Napi::Value partition_js(const Napi::CallbackInfo& i) {
  int kth = to_int(i[1], "kth");
  if (is_nullish(i, 2)) return wrap(i.Env(), partition(to_array(i, 0), kth, to_stream(i, 3)));
  return wrap(i.Env(), partition(to_array(i, 0), kth, to_int(i[2], "axis"), to_stream(i, 3)));
}
Napi::Value argpartition_js(const Napi::CallbackInfo& i) {
  int kth = to_int(i[1], "kth");
  if (is_nullish(i, 2)) return wrap(i.Env(), argpartition(to_array(i, 0), kth, to_stream(i, 3)));
  return wrap(i.Env(), argpartition(to_array(i, 0), kth, to_int(i[2], "axis"), to_stream(i, 3)));
}
Napi::Value topk_js(const Napi::CallbackInfo& i) {
  int k = to_int(i[1], "k");
  if (is_nullish(i, 2)) return wrap(i.Env(), topk(to_array(i, 0), k, to_stream(i, 3)));
  return wrap(i.Env(), topk(to_array(i, 0), k, to_int(i[2], "axis"), to_stream(i, 3)));
}

// (a, axis, reverse, inclusive, stream)
template <Array (*AxisFn)(const Array&, int, bool, bool, StreamOrDevice),
          Array (*FlatFn)(const Array&, bool, bool, StreamOrDevice)>
Napi::Value scan_js(const Napi::CallbackInfo& i) {
  bool rev = flag(i, 2, false), inc = flag(i, 3, true);
  if (is_nullish(i, 1)) return wrap(i.Env(), FlatFn(to_array(i, 0), rev, inc, to_stream(i, 4)));
  return wrap(i.Env(), AxisFn(to_array(i, 0), to_int(i[1], "axis"), rev, inc, to_stream(i, 4)));
}

}  // namespace

MLX_BIND("sort", sort_js);
MLX_BIND("argsort", argsort_js);
MLX_BIND("partition", partition_js);
MLX_BIND("argpartition", argpartition_js);
MLX_BIND("topk", topk_js);
MLX_BIND("cumsum", (scan_js<cumsum, cumsum>));
MLX_BIND("cumprod", (scan_js<cumprod, cumprod>));
MLX_BIND("cummax", (scan_js<cummax, cummax>));
MLX_BIND("cummin", (scan_js<cummin, cummin>));
MLX_BIND("logcumsumexp", (scan_js<logcumsumexp, logcumsumexp>));

}  // namespace mlx::js
