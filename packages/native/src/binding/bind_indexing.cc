// Indexing: take / takeAlongAxis / putAlongAxis, dynamic slices, `a.index(...)`,
// `a.indexPut_(...)` (rebinding the handle with `replace`) and `a.at(...).<op>(v)`.
#include "../ops/indexing.h"
#include "../ops/shape.h"
#include "convert.h"

namespace mlx::js {

namespace {

bool is_array(Napi::Value v) { return v.IsObject() && ArrayWrap::is(v); }
const Array& unwrap(Napi::Value v) { return ArrayWrap::Unwrap(v.As<Napi::Object>())->get(v.Env()); }

// An index given as a JS number becomes an int32 (int64 when large) scalar array.
Array to_index_array(Napi::Value v, const char* op) {
  if (is_array(v)) return unwrap(v);
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    check(std::isfinite(d) && std::floor(d) == d, ErrorCode::dtype,
          std::string("[") + op + "] Indices must be integers.");
    int64_t x = (int64_t)d;
    return (x >= INT32_MIN && x <= INT32_MAX) ? Array::scalar_int(x, Dtype::int32) : Array::scalar_int(x, Dtype::int64);
  }
  throw_error(ErrorCode::invalid_argument, std::string("[") + op + "] Expected an array of indices.");
}

std::optional<int64_t> opt_int(Napi::Object o, const char* key) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return std::nullopt;
  return to_int64(v, "slice bound");
}

std::vector<IndexEntry> to_entries(Napi::Value list) {
  check(list.IsArray(), ErrorCode::invalid_argument, "[index] Expected a list of indices.");
  auto arr = list.As<Napi::Array>();
  std::vector<IndexEntry> out;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    IndexEntry e;
    if (v.IsNull() || v.IsUndefined()) {
      e.kind = IndexEntry::newaxis;
    } else if (v.IsNumber()) {
      double d = v.As<Napi::Number>().DoubleValue();
      if (!std::isfinite(d) || std::floor(d) != d)
        throw_error(ErrorCode::index, "[index] Index " + std::to_string(d) + " is not an integer.");
      e.kind = IndexEntry::integer;
      e.value = (int64_t)d;
    } else if (v.IsString()) {
      check(v.As<Napi::String>().Utf8Value() == "...", ErrorCode::invalid_argument,
            "[index] The only string index allowed is '...'.");
      e.kind = IndexEntry::ellipsis;
    } else if (is_array(v)) {
      e.kind = IndexEntry::array;
      e.arr = unwrap(v);
    } else if (v.IsObject() && v.As<Napi::Object>().Get("__slice").IsBoolean()) {
      auto o = v.As<Napi::Object>();
      e.kind = IndexEntry::slice;
      e.start = opt_int(o, "start");
      e.stop = opt_int(o, "stop");
      e.step = opt_int(o, "step");
    } else {
      throw_error(ErrorCode::invalid_argument, "[index] Cannot index an array with the given type.");
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::optional<int> opt_axis(const Napi::CallbackInfo& i, size_t k) {
  if (is_nullish(i, k)) return std::nullopt;
  return to_int(i[k], "axis");
}

Napi::Value take_js(const Napi::CallbackInfo& i) {
  Array a = to_array(i, 0);
  Array idx = to_index_array(i[1], "take");
  auto axis = opt_axis(i, 2);
  return wrap(i.Env(), axis ? take(a, idx, *axis, to_stream(i, 3)) : take(a, idx, to_stream(i, 3)));
}
Napi::Value take_along_axis_js(const Napi::CallbackInfo& i) {
  Array a = to_array(i, 0);
  Array idx = to_index_array(i[1], "take_along_axis");
  auto axis = opt_axis(i, 2);
  return wrap(i.Env(), axis ? take_along_axis(a, idx, *axis, to_stream(i, 3)) : take_along_axis(a, idx, to_stream(i, 3)));
}
Napi::Value put_along_axis_js(const Napi::CallbackInfo& i) {
  Array a = to_array(i, 0);
  Array idx = to_index_array(i[1], "put_along_axis");
  Array v = to_array_like(i[2], a);
  auto axis = opt_axis(i, 3);
  return wrap(i.Env(), axis ? put_along_axis(a, idx, v, *axis, to_stream(i, 4)) : put_along_axis(a, idx, v, to_stream(i, 4)));
}
Napi::Value scatter_add_axis_js(const Napi::CallbackInfo& i) {
  Array a = to_array(i, 0);
  return wrap(i.Env(), scatter_add_axis(a, to_index_array(i[1], "scatter_add_axis"), to_array_like(i[2], a),
                                        to_int(i[3], "axis"), to_stream(i, 4)));
}
// sliceDynamic(a, start, axes, sliceSize)
Napi::Value slice_dynamic_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), slice(to_array(i, 0), to_index_array(i[1], "slice"), to_int_vec(i[2], "axes"),
                             to_shape(i[3], "slice_size"), to_stream(i, 4)));
}
// sliceUpdateDynamic(a, update, start, axes)
Napi::Value slice_update_dynamic_js(const Napi::CallbackInfo& i) {
  Array a = to_array(i, 0);
  return wrap(i.Env(), slice_update(a, to_array_like(i[1], a), to_index_array(i[2], "slice_update"),
                                    to_int_vec(i[3], "axes"), to_stream(i, 4)));
}
// sliceUpdate(a, update, start, stop, strides): static bounds.
Napi::Value slice_update_static_js(const Napi::CallbackInfo& i) {
  Array a = to_array(i, 0);
  Shape start = to_shape(i[2], "start"), stop = to_shape(i[3], "stop");
  Shape step = is_nullish(i, 4) ? Shape(start.size(), 1) : to_shape(i[4], "strides");
  return wrap(i.Env(), slice_update(a, to_array_like(i[1], a), start, stop, step, to_stream(i, 5)));
}
Napi::Value get_item_js(const Napi::CallbackInfo& i) {
  return wrap(i.Env(), get_item(to_array(i, 0), to_entries(i[1]), to_stream(i, 2)));
}
// updateItem(a, indices, value, op): op 0..6 = set, add, subtract, multiply, divide, maximum, minimum.
Napi::Value update_item_js(const Napi::CallbackInfo& i) {
  Array a = to_array(i, 0);
  int op = to_int(i[3], "op");
  check(op >= 0 && op <= 6, ErrorCode::invalid_argument, "[at] Unknown update operation.");
  return wrap(i.Env(), update_item(a, to_entries(i[1]), to_array_like(i[2], a), (UpdateOp)op, to_stream(i, 4)));
}
// replace(dst, src): dst's handle now refers to src's graph node (MLX's `a[idx] = v` rebinding).
Napi::Value replace_js(const Napi::CallbackInfo& i) {
  check(is_array(i[0]) && is_array(i[1]), ErrorCode::invalid_argument, "[replace] Expected two arrays.");
  auto* dst = ArrayWrap::Unwrap(i[0].As<Napi::Object>());
  Array src = unwrap(i[1]);
  dst->get(i.Env());
  dst->arr = std::move(src);
  return i.Env().Undefined();
}

}  // namespace

MLX_BIND("take", take_js);
MLX_BIND("takeAlongAxis", take_along_axis_js);
MLX_BIND("putAlongAxis", put_along_axis_js);
MLX_BIND("scatterAddAxis", scatter_add_axis_js);
MLX_BIND("sliceDynamic", slice_dynamic_js);
MLX_BIND("sliceUpdateDynamic", slice_update_dynamic_js);
MLX_BIND("sliceUpdate", slice_update_static_js);
MLX_BIND("getItem", get_item_js);
MLX_BIND("updateItem", update_item_js);
MLX_BIND("replace", replace_js);

}  // namespace mlx::js
