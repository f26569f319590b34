// Array-manipulation ops. The TS layer normalises MLX's argument forms (pad widths, reps,
// shift/axis tuples) into plain lists before calling these.
#include "../ops/manip.h"
#include "convert.h"

namespace mlx::js {

namespace {

std::vector<int64_t> to_i64_vec(Napi::Value v, const char* what) {
  if (v.IsNumber()) return {to_int64(v, what)};
  check(v.IsArray(), ErrorCode::invalid_argument, std::string("Expected a list of integers for ") + what + ".");
  auto a = v.As<Napi::Array>();
  std::vector<int64_t> s(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) s[k] = to_int64(a.Get(k), what);
  return s;
}
std::optional<std::vector<int>> opt_axes(const Napi::CallbackInfo& i, size_t k, const char* what) {
  if (is_nullish(i, k)) return std::nullopt;
  return to_int_vec(i[k], what);
}
int int_or(const Napi::CallbackInfo& i, size_t k, int def, const char* what) {
  return is_nullish(i, k) ? def : to_int(i[k], what);
}
std::string str_or(const Napi::CallbackInfo& i, size_t k, const char* def, const char* what) {
  if (is_nullish(i, k)) return def;
  check(i[k].IsString(), ErrorCode::invalid_argument, std::string("Expected a string for ") + what + ".");
  return i[k].As<Napi::String>().Utf8Value();
}

Napi::Value pad_js(const Napi::CallbackInfo& i) {
  Array a = to_array(i, 0);
  check(i[1].IsArray(), ErrorCode::invalid_argument, "[pad] pad_width must be a list of (before, after) pairs.");
  auto list = i[1].As<Napi::Array>();
  std::vector<std::pair<int64_t, int64_t>> w;
  for (uint32_t k = 0; k < list.Length(); k++) {
    auto p = to_i64_vec(list.Get(k), "pad_width");
    check(p.size() == 2, ErrorCode::invalid_argument, "[pad] Each pad width must be a (before, after) pair.");
    w.emplace_back(p[0], p[1]);
  }
  Array v = is_nullish(i, 2) ? Array::scalar(0.0, a.dtype())
            : i[2].IsNumber() || i[2].IsBoolean() ? to_array_like(i[2], a) : to_array(i, 2);
  return wrap(i.Env(), pad(a, w, v, str_or(i, 3, "constant", "mode"), to_stream(i, 4)));
}
Napi::Value tile_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), tile(to_array(i, 0), to_i64_vec(i[1], "reps"), to_stream(i, 2)));
}
Napi::Value repeat_js(const Napi::CallbackInfo& i) {
  std::optional<int> axis;
  if (!is_nullish(i, 2)) axis = to_int(i[2], "axis");
  return wrap(i.Env(), repeat(to_array(i, 0), to_int64(i[1], "repeats"), axis, to_stream(i, 3)));
}
Napi::Value roll_js(const Napi::CallbackInfo& i) {
  auto shifts = to_i64_vec(i[1], "shift");
  if (!is_nullish(i, 2) && i[2].IsNumber() && shifts.size() > 1) {  // one axis: the shifts add up, as in MLX
    int64_t t = 0;
    for (auto v : shifts) t += v;
    shifts = {t};
  } else if (!is_nullish(i, 2) && i[1].IsArray()) {  // a shift list needs one value per axis; extras are unused
    auto axes = to_int_vec(i[2], "axis");
    check(shifts.size() >= axes.size(), ErrorCode::invalid_argument,
          "[roll] At least one shift value per axis is required, " + std::to_string(shifts.size()) +
              " provided for " + std::to_string(axes.size()) + " axes.");
    shifts.resize(axes.size());
  }
  return wrap(i.Env(), roll(to_array(i, 0), shifts, opt_axes(i, 2, "axis"), to_stream(i, 3)));
}
Napi::Value flip_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), flip(to_array(i, 0), opt_axes(i, 1, "axis"), to_stream(i, 2)));
}
Napi::Value diagonal_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), diagonal(to_array(i, 0), int_or(i, 1, 0, "offset"), int_or(i, 2, 0, "axis1"),
                                int_or(i, 3, 1, "axis2"), to_stream(i, 4)));
}
Napi::Value diag_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), diag(to_array(i, 0), int_or(i, 1, 0, "k"), to_stream(i, 2)));
}
Napi::Value trace_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), trace(to_array(i, 0), int_or(i, 1, 0, "offset"), int_or(i, 2, 0, "axis1"),
                             int_or(i, 3, 1, "axis2"), opt_dtype(i, 4), to_stream(i, 5)));
}
Napi::Value tril_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), tril(to_array(i, 0), int_or(i, 1, 0, "k"), to_stream(i, 2)));
}
Napi::Value triu_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), triu(to_array(i, 0), int_or(i, 1, 0, "k"), to_stream(i, 2)));
}
Napi::Value meshgrid_js(const Napi::CallbackInfo& i) {
  bool sparse = !is_nullish(i, 1) && i[1].ToBoolean().Value();
  return wrap_vec(i.Env(), meshgrid(to_array_vec(i, 0), sparse, str_or(i, 2, "xy", "indexing"), to_stream(i, 3)));
}
Napi::Value atleast_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), atleast_nd(to_array(i, 0), to_int(i[1], "n"), to_stream(i, 2)));
}
Napi::Value as_strided_js(const Napi::CallbackInfo& i) {
  Array a = to_array(i, 0);
  Shape shape = is_nullish(i, 1) ? a.shape() : to_shape(i[1], "shape");
  Strides st = is_nullish(i, 2) ? row_major_strides(shape) : to_i64_vec(i[2], "strides");
  int64_t off = is_nullish(i, 3) ? 0 : to_int64(i[3], "offset");
  return wrap(i.Env(), as_strided(a, shape, st, off, to_stream(i, 4)));
}
Napi::Value view_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), view(to_array(i, 0), to_dtype(i[1]), to_stream(i, 2)));
}
Napi::Value kron_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), kron(to_array(i, 0), to_array(i, 1), to_stream(i, 2)));
}
Napi::Value outer_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), outer(to_array(i, 0), to_array(i, 1), to_stream(i, 2)));
}
Napi::Value inner_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), inner(to_array(i, 0), to_array(i, 1), to_stream(i, 2)));
}
Napi::Value tensordot_js(const Napi::CallbackInfo& i) {
  Array a = to_array(i, 0), b = to_array(i, 1);
  if (is_nullish(i, 2)) return wrap(i.Env(), tensordot(a, b, 2, to_stream(i, 3)));
  if (i[2].IsNumber()) return wrap(i.Env(), tensordot(a, b, to_int(i[2], "axes"), to_stream(i, 3)));
  check(i[2].IsArray() && i[2].As<Napi::Array>().Length() == 2, ErrorCode::invalid_argument,
        "[tensordot] axes must be an integer or a pair of axis lists.");
  auto ax = i[2].As<Napi::Array>();
  return wrap(i.Env(), tensordot(a, b, to_int_vec(ax.Get(0u), "axes"), to_int_vec(ax.Get(1u), "axes"), to_stream(i, 3)));
}
Napi::Value hadamard_js(const Napi::CallbackInfo& i) {
  std::optional<float> scale;
  if (!is_nullish(i, 1)) {
    check(i[1].IsNumber(), ErrorCode::invalid_argument, "[hadamard_transform] scale must be a number.");
    scale = (float)i[1].As<Napi::Number>().DoubleValue();
  }
  return wrap(i.Env(), hadamard_transform(to_array(i, 0), scale, to_stream(i, 2)));
}
Napi::Value median_js(const Napi::CallbackInfo& i) {
  bool keep = !is_nullish(i, 2) && i[2].ToBoolean().Value();
  return wrap(i.Env(), median(to_array(i, 0), opt_axes(i, 1, "axis"), keep, to_stream(i, 3)));
}
Napi::Value unstack_js(const Napi::CallbackInfo& i) {
  return wrap_vec(i.Env(), unstack(to_array(i, 0), int_or(i, 1, 0, "axis"), to_stream(i, 2)));
}

}  // namespace

MLX_BIND("pad", pad_js);
MLX_BIND("tile", tile_js);
MLX_BIND("repeat", repeat_js);
MLX_BIND("roll", roll_js);
MLX_BIND("flip", flip_js);
MLX_BIND("diagonal", diagonal_js);
MLX_BIND("diag", diag_js);
MLX_BIND("trace", trace_js);
MLX_BIND("tril", tril_js);
MLX_BIND("triu", triu_js);
MLX_BIND("meshgrid", meshgrid_js);
MLX_BIND("atleast", atleast_js);
MLX_BIND("asStrided", as_strided_js);
MLX_BIND("view", view_js);
MLX_BIND("kron", kron_js);
MLX_BIND("outer", outer_js);
MLX_BIND("inner", inner_js);
MLX_BIND("tensordot", tensordot_js);
MLX_BIND("hadamardTransform", hadamard_js);
MLX_BIND("median", median_js);
MLX_BIND("unstack", unstack_js);

}  // namespace mlx::js
