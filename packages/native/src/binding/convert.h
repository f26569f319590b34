// Argument conversion and error translation shared by every binding file.
#pragma once
#include <napi.h>

#include <functional>

#include "../engine/array.h"
#include "../ops/common.h"

namespace mlx::js {

// The native array class exposed to JS (the prototype of mx.array).
class ArrayWrap : public Napi::ObjectWrap<ArrayWrap> {
 public:
  static Napi::Function Init(Napi::Env env);
  static Napi::Object make(Napi::Env env, Array a);
  static bool is(Napi::Value v);
  static int64_t live_count();
  explicit ArrayWrap(const Napi::CallbackInfo& info);
  ~ArrayWrap();
  const Array& get(Napi::Env env) const;  // throws the disposed-array error
  Array arr;

 private:
  Napi::Value shape(const Napi::CallbackInfo& info);
  Napi::Value dtype(const Napi::CallbackInfo& info);
  Napi::Value ndim(const Napi::CallbackInfo& info);
  Napi::Value size(const Napi::CallbackInfo& info);
  Napi::Value dispose(const Napi::CallbackInfo& info);
  Napi::Value disposed(const Napi::CallbackInfo& info);
  Napi::Value id(const Napi::CallbackInfo& info);
};

// Conversions. Index `i` past info.Length() reads as undefined.
Array to_array(const Napi::CallbackInfo& info, size_t i);
// Like to_array, but a JS number/boolean becomes a weakly-typed scalar matched to `like` (MLX's
// Python-scalar rule): integer-valued numbers keep an integer dtype, others become float.
Array to_array_like(Napi::Value v, const Array& like);
std::vector<Array> to_array_vec(const Napi::CallbackInfo& info, size_t i);
Dtype to_dtype(Napi::Value v);
std::optional<Dtype> opt_dtype(const Napi::CallbackInfo& info, size_t i);
int to_int(Napi::Value v, const char* what);
int64_t to_int64(Napi::Value v, const char* what);
Shape to_shape(Napi::Value v, const char* what);
std::vector<int> to_int_vec(Napi::Value v, const char* what);
bool is_nullish(const Napi::CallbackInfo& info, size_t i);
StreamOrDevice to_stream(const Napi::CallbackInfo& info, size_t i);  // stream index or undefined

Napi::Value wrap(Napi::Env env, Array a);
Napi::Value wrap_vec(Napi::Env env, const std::vector<Array>& v);
Napi::Value shape_to_js(Napi::Env env, const Shape& s);

// Throws the JS error class registered for the engine error code.
[[noreturn]] void throw_js(Napi::Env env, ErrorCode code, const std::string& msg);

// Every exported function goes through this: engine errors become typed JS errors.
using NativeFn = Napi::Value (*)(const Napi::CallbackInfo&);
Napi::Value call_guarded(NativeFn fn, const Napi::CallbackInfo& info);

// Static registration so each binding file adds its functions without editing addon.cc.
struct Binding {
  const char* name;
  NativeFn fn;
};
std::vector<Binding>& bindings();
#define MLX_BIND(NAME, FN)                                                           \
  static const bool MLX_BIND_CONCAT(mlx_bind_, __COUNTER__) =                        \
      (::mlx::js::bindings().push_back({NAME, FN}), true)
#define MLX_BIND_CONCAT2(a, b) a##b
#define MLX_BIND_CONCAT(a, b) MLX_BIND_CONCAT2(a, b)

// Reports allocator growth to V8 so the GC feels native memory pressure.
void report_external_memory(Napi::Env env);

}  // namespace mlx::js
