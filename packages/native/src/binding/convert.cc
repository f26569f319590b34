#include "convert.h"

#include <cmath>

namespace mlx::js {

std::vector<Binding>& bindings() {
  static std::vector<Binding> b;
  return b;
}

namespace {
Napi::FunctionReference* g_error_factory = nullptr;
}

void set_error_factory(Napi::Function f) {
  if (!g_error_factory) g_error_factory = new Napi::FunctionReference();
  *g_error_factory = Napi::Persistent(f);
}

static const char* code_name(ErrorCode c) {
  switch (c) {
    case ErrorCode::invalid_argument: return "MLX_INVALID_ARGUMENT";
    case ErrorCode::shape: return "MLX_SHAPE";
    case ErrorCode::dtype: return "MLX_DTYPE";
    case ErrorCode::index: return "MLX_INDEX";
    case ErrorCode::out_of_memory: return "MLX_OUT_OF_MEMORY";
    case ErrorCode::disposed: return "MLX_DISPOSED";
    case ErrorCode::malformed_file: return "MLX_MALFORMED_FILE";
    case ErrorCode::not_implemented: return "MLX_NOT_IMPLEMENTED";
    default: return "MLX_INTERNAL";
  }
}

void throw_js(Napi::Env env, ErrorCode code, const std::string& msg) {
  Napi::Value err;
  if (g_error_factory && !g_error_factory->IsEmpty()) {
    err = g_error_factory->Call({Napi::String::New(env, code_name(code)), Napi::String::New(env, msg)});
  } else {
    auto e = Napi::Error::New(env, msg);
    e.Set("code", Napi::String::New(env, code_name(code)));
    err = e.Value();
  }
  throw Napi::Error(env, err);
}

Napi::Value call_guarded(NativeFn fn, const Napi::CallbackInfo& info) {
  try {
    return fn(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const Error& e) {
    throw_js(info.Env(), e.code(), e.what());
  } catch (const std::bad_alloc&) {
    throw_js(info.Env(), ErrorCode::out_of_memory, "Out of memory.");
  } catch (const std::exception& e) {
    throw_js(info.Env(), ErrorCode::internal, e.what());
  }
}

bool is_nullish(const Napi::CallbackInfo& info, size_t i) {
  return i >= info.Length() || info[i].IsUndefined() || info[i].IsNull();
}

Array to_array(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = i < info.Length() ? info[i] : info.Env().Undefined();
  if (v.IsObject() && ArrayWrap::is(v)) return ArrayWrap::Unwrap(v.As<Napi::Object>())->get(info.Env());
  if (v.IsNumber()) return Array::scalar(v.As<Napi::Number>().DoubleValue(), Dtype::float32);
  if (v.IsBoolean()) return Array::scalar(v.As<Napi::Boolean>().Value() ? 1.0 : 0.0, Dtype::bool_);
  throw_js(info.Env(), ErrorCode::invalid_argument,
           "Error converting argument " + std::to_string(i) + " to mx.array.");
}

Array to_array_like(Napi::Value v, const Array& like) {
  if (v.IsObject() && ArrayWrap::is(v)) return ArrayWrap::Unwrap(v.As<Napi::Object>())->get(v.Env());
  Dtype dt = like.dtype();
  if (v.IsBoolean()) return Array::scalar(v.As<Napi::Boolean>().Value() ? 1.0 : 0.0, dt);
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    bool integral = std::isfinite(d) && std::floor(d) == d;
    auto k = dtype_kind(dt);
    if (k == DtypeKind::boolean) dt = integral ? Dtype::int32 : Dtype::float32;
    else if ((k == DtypeKind::signed_int || k == DtypeKind::unsigned_int) && !integral) dt = Dtype::float32;
    if (k == DtypeKind::complex) return Array::scalar_complex(complex64_t((float)d, 0.f));
    return Array::scalar(d, dt);
  }
  throw_js(v.Env(), ErrorCode::invalid_argument, "Error converting value to mx.array.");
}

std::vector<Array> to_array_vec(const Napi::CallbackInfo& info, size_t i) {
  check(i < info.Length() && info[i].IsArray(), ErrorCode::invalid_argument, "Expected a list of arrays.");
  auto list = info[i].As<Napi::Array>();
  std::vector<Array> out;
  for (uint32_t k = 0; k < list.Length(); k++) {
    Napi::Value v = list[k];
    if (v.IsObject() && ArrayWrap::is(v)) out.push_back(ArrayWrap::Unwrap(v.As<Napi::Object>())->get(info.Env()));
    else if (v.IsNumber()) out.push_back(Array::scalar(v.As<Napi::Number>().DoubleValue(), Dtype::float32));
    else throw_js(info.Env(), ErrorCode::invalid_argument, "Expected a list of arrays.");
  }
  return out;
}

Dtype to_dtype(Napi::Value v) {
  check(v.IsNumber(), ErrorCode::dtype, "Expected a dtype.");
  int k = v.As<Napi::Number>().Int32Value();
  check(k >= 0 && k < kNumDtypes, ErrorCode::dtype, "Unknown dtype.");
  return (Dtype)k;
}

std::optional<Dtype> opt_dtype(const Napi::CallbackInfo& info, size_t i) {
  if (is_nullish(info, i)) return std::nullopt;
  return to_dtype(info[i]);
}

int64_t to_int64(Napi::Value v, const char* what) {
  if (v.IsBigInt()) { bool lossless; return v.As<Napi::BigInt>().Int64Value(&lossless); }
  if (!v.IsNumber()) throw_error(ErrorCode::invalid_argument, std::string("Expected an integer for ") + what + ".");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d || std::fabs(d) > 9.007199254740992e15)
    throw_error(ErrorCode::invalid_argument, std::string("Expected an integer for ") + what + ", got " + std::to_string(d) + ".");
  return (int64_t)d;
}

int to_int(Napi::Value v, const char* what) {
  int64_t x = to_int64(v, what);
  check(x >= INT32_MIN && x <= INT32_MAX, ErrorCode::invalid_argument, std::string(what) + " is out of range.");
  return (int)x;
}

Shape to_shape(Napi::Value v, const char* what) {
  if (v.IsNumber()) {
    int64_t d = to_int64(v, what);
    check(d >= 0, ErrorCode::shape, std::string("Negative dimension in ") + what + ".");
    return {d};
  }
  check(v.IsArray(), ErrorCode::invalid_argument, std::string("Expected a list of integers for ") + what + ".");
  auto a = v.As<Napi::Array>();
  Shape s(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) s[i] = to_int64(a.Get(i), what);
  return s;
}

std::vector<int> to_int_vec(Napi::Value v, const char* what) {
  if (v.IsNumber()) return {to_int(v, what)};
  check(v.IsArray(), ErrorCode::invalid_argument, std::string("Expected a list of integers for ") + what + ".");
  auto a = v.As<Napi::Array>();
  std::vector<int> s(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) s[i] = to_int(a.Get(i), what);
  return s;
}

StreamOrDevice to_stream(const Napi::CallbackInfo& info, size_t i) {
  if (is_nullish(info, i)) return {};
  int idx = to_int(info[i], "stream");
  if (idx < 0) return {};
  return StreamOrDevice(get_stream(idx));
}

Napi::Value wrap(Napi::Env env, Array a) { return ArrayWrap::make(env, std::move(a)); }

Napi::Value wrap_vec(Napi::Env env, const std::vector<Array>& v) {
  auto out = Napi::Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); i++) out.Set((uint32_t)i, ArrayWrap::make(env, v[i]));
  return out;
}

Napi::Value shape_to_js(Napi::Env env, const Shape& s) {
  auto out = Napi::Array::New(env, s.size());
  for (size_t i = 0; i < s.size(); i++) out.Set((uint32_t)i, Napi::Number::New(env, (double)s[i]));
  return out;
}

}  // namespace mlx::js
