// Arrays from and to JS data, evaluation, memory, devices and streams.
#include <cstring>

#include "../backend/cpu/copy.h"
#include "../engine/backend.h"
#include "../engine/dispatch.h"
#include "../engine/eval.h"
#include "../engine/threadpool.h"
#include "convert.h"

namespace mlx::js {

namespace {

// fromBuffer(typedArray, shape, dtype): copies and converts the typed array's elements.
Napi::Value from_buffer(const Napi::CallbackInfo& info) {
  auto ta = info[0].As<Napi::TypedArray>();
  Shape shape = to_shape(info[1], "shape");
  Dtype dt = to_dtype(info[2]);
  int64_t n = shape_size(shape);
  check((int64_t)ta.ElementLength() == n * (dt == Dtype::complex64 ? 2 : 1), ErrorCode::shape,
        "[array] Data length does not match the shape.");
  Array out = Array::empty(shape, dt);
  void* src = static_cast<char*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  auto convert = [&](auto src_tag) {
    using S = typename decltype(src_tag)::type;
    const S* s = static_cast<const S*>(src);
    if (dt == Dtype::complex64) {
      auto* d = out.data<complex64_t>();
      for (int64_t i = 0; i < n; i++) d[i] = complex64_t((float)s[2 * i], (float)s[2 * i + 1]);
      return;
    }
    dispatch_all(dt, [&](auto dst_tag) {
      using D = typename decltype(dst_tag)::type;
      D* d = out.data<D>();
      if constexpr (std::is_same_v<S, D>) std::memcpy(d, s, n * sizeof(D));
      else for (int64_t i = 0; i < n; i++) d[i] = cast_value<D>(s[i]);
    });
  };
  switch (ta.TypedArrayType()) {
    case napi_int8_array: convert(TypeTag<int8_t>{}); break;
    case napi_uint8_array: case napi_uint8_clamped_array: convert(TypeTag<uint8_t>{}); break;
    case napi_int16_array: convert(TypeTag<int16_t>{}); break;
    case napi_uint16_array:
      // Raw half bits when the target is a 16-bit float type.
      if (dt == Dtype::float16 || dt == Dtype::bfloat16) std::memcpy(out.raw_data(), src, n * 2);
      else convert(TypeTag<uint16_t>{});
      break;
    case napi_int32_array: convert(TypeTag<int32_t>{}); break;
    case napi_uint32_array: convert(TypeTag<uint32_t>{}); break;
    case napi_float32_array: convert(TypeTag<float>{}); break;
    case napi_float64_array: convert(TypeTag<double>{}); break;
    case napi_bigint64_array: convert(TypeTag<int64_t>{}); break;
    case napi_biguint64_array: convert(TypeTag<uint64_t>{}); break;
    default: throw_error(ErrorCode::invalid_argument, "[array] Unsupported typed array.");
  }
  return wrap(info.Env(), out);
}

void eval_sync(const std::vector<Array>& arrays) { eval(arrays); }

// toBuffer(a): evaluates and returns an ArrayBuffer over a row-contiguous copy or the buffer itself.
Napi::Value to_buffer(const Napi::CallbackInfo& info) {
  Array a = to_array(info, 0);
  eval_sync({a});
  report_external_memory(info.Env());
  Array c = a;
  if (!a.flags().row_contiguous) {
    std::lock_guard<std::recursive_mutex> lk(engine_mutex());
    c = cpu::contiguous(a);
  }
  if (c.size() == 0) return Napi::ArrayBuffer::New(info.Env(), 0);
  auto* keep = new BufferPtr(c.buffer());
  return Napi::ArrayBuffer::New(info.Env(), c.raw_data(), c.nbytes(),
                                [](Napi::Env, void*, BufferPtr* b) { delete b; }, keep);
}

Napi::Value item(const Napi::CallbackInfo& info) {
  Array a = to_array(info, 0);
  check(a.size() == 1, ErrorCode::shape, "[item] Only arrays with exactly one element can be converted to a scalar.");
  eval_sync({a});
  Napi::Env env = info.Env();
  return dispatch_all(a.dtype(), [&](auto tag) -> Napi::Value {
    using T = typename decltype(tag)::type;
    T v = *a.data<T>();
    if constexpr (std::is_same_v<T, bool>) return Napi::Boolean::New(env, v);
    else if constexpr (std::is_same_v<T, complex64_t>) {
      auto o = Napi::Object::New(env);
      o.Set("re", v.real());
      o.Set("im", v.imag());
      return o;
    } else return Napi::Number::New(env, cast_value<double>(v));
  });
}

// tolist(a): nested JS arrays of numbers/booleans (complex as {re, im}).
Napi::Value tolist(const Napi::CallbackInfo& info) {
  Array a = to_array(info, 0);
  eval_sync({a});
  Napi::Env env = info.Env();
  return dispatch_all(a.dtype(), [&](auto tag) -> Napi::Value {
    using T = typename decltype(tag)::type;
    auto elem = [&](int64_t off) -> Napi::Value {
      T v = a.data<T>()[off];
      if constexpr (std::is_same_v<T, bool>) return Napi::Boolean::New(env, v);
      else if constexpr (std::is_same_v<T, complex64_t>) {
        auto o = Napi::Object::New(env);
        o.Set("re", v.real());
        o.Set("im", v.imag());
        return o;
      } else return Napi::Number::New(env, cast_value<double>(v));
    };
    if (a.ndim() == 0) return elem(0);
    std::function<Napi::Value(int, int64_t)> build = [&](int dim, int64_t off) -> Napi::Value {
      auto arr = Napi::Array::New(env, a.shape(dim));
      for (int64_t i = 0; i < a.shape(dim); i++)
        arr.Set((uint32_t)i, dim + 1 == a.ndim() ? elem(off + i * a.strides()[dim])
                                                 : build(dim + 1, off + i * a.strides()[dim]));
      return arr;
    };
    return build(0, 0);
  });
}

Napi::Value eval_js(const Napi::CallbackInfo& info) {
  eval_sync(to_array_vec(info, 0));
  report_external_memory(info.Env());
  return info.Env().Undefined();
}

// asyncEval(arrays): evaluates on a worker thread; resolves when done.
class EvalWorker : public Napi::AsyncWorker {
 public:
  EvalWorker(Napi::Env env, std::vector<Array> arrays)
      : Napi::AsyncWorker(env, "mlx.asyncEval"), arrays_(std::move(arrays)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      eval(arrays_);
    } catch (const Error& e) {
      code_ = e.code();
      SetError(e.what());
    } catch (const std::exception& e) {
      code_ = ErrorCode::internal;
      SetError(e.what());
    }
  }
  void OnOK() override {
    arrays_.clear();
    report_external_memory(Env());
    deferred_.Resolve(Env().Undefined());
  }
  void OnError(const Napi::Error& e) override {
    arrays_.clear();
    try {
      throw_js(Env(), code_, e.Message());
    } catch (const Napi::Error& typed) {
      deferred_.Reject(typed.Value());
    }
  }
 private:
  std::vector<Array> arrays_;
  Napi::Promise::Deferred deferred_;
  ErrorCode code_ = ErrorCode::internal;
};

Napi::Value async_eval(const Napi::CallbackInfo& info) {
  auto* w = new EvalWorker(info.Env(), to_array_vec(info, 0));
  auto p = w->promise();
  w->Queue();
  return p;
}

Napi::Value is_evaluated(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), to_array(info, 0).evaluated());
}

Napi::Value memory_stats(const Napi::CallbackInfo& info) {
  auto s = Allocator::instance().stats();
  auto o = Napi::Object::New(info.Env());
  o.Set("active", (double)s.active);
  o.Set("peak", (double)s.peak);
  o.Set("cache", (double)s.cache);
  o.Set("limit", (double)s.limit);
  o.Set("cacheLimit", (double)s.cache_limit);
  o.Set("wrappers", (double)ArrayWrap::live_count());
  return o;
}

Napi::Value reset_peak(const Napi::CallbackInfo& info) { Allocator::instance().reset_peak(); return info.Env().Undefined(); }
Napi::Value set_memory_limit(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), (double)Allocator::instance().set_memory_limit((size_t)to_int64(info[0], "limit")));
}
Napi::Value set_cache_limit(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), (double)Allocator::instance().set_cache_limit((size_t)to_int64(info[0], "limit")));
}
Napi::Value clear_cache(const Napi::CallbackInfo& info) {
  Allocator::instance().clear_cache();
  report_external_memory(info.Env());
  return info.Env().Undefined();
}

Napi::Value set_threads(const Napi::CallbackInfo& info) {
  set_num_threads(to_int(info[0], "threads"));
  return Napi::Number::New(info.Env(), num_threads());
}
Napi::Value get_threads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), num_threads()); }

Device to_device(Napi::Value type, Napi::Value index) {
  Device d;
  d.type = to_int(type, "device type") == 1 ? Device::Type::gpu : Device::Type::cpu;
  d.index = index.IsUndefined() ? 0 : to_int(index, "device index");
  return d;
}

Napi::Value stream_object(Napi::Env env, const Stream& s) {
  auto o = Napi::Object::New(env);
  o.Set("index", s.index);
  o.Set("deviceType", (int)s.device.type);
  o.Set("deviceIndex", s.device.index);
  return o;
}

Napi::Value device_available(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), is_available(to_device(info[0], info[1])));
}
Napi::Value get_default_device(const Napi::CallbackInfo& info) {
  auto d = default_device();
  auto o = Napi::Object::New(info.Env());
  o.Set("type", (int)d.type);
  o.Set("index", d.index);
  return o;
}
Napi::Value set_default_device_js(const Napi::CallbackInfo& info) {
  set_default_device(to_device(info[0], info[1]));
  return info.Env().Undefined();
}
Napi::Value get_default_stream(const Napi::CallbackInfo& info) {
  return stream_object(info.Env(), default_stream(to_device(info[0], info[1])));
}
Napi::Value set_default_stream_js(const Napi::CallbackInfo& info) {
  set_default_stream(get_stream(to_int(info[0], "stream")));
  return info.Env().Undefined();
}
Napi::Value new_stream_js(const Napi::CallbackInfo& info) {
  return stream_object(info.Env(), new_stream(to_device(info[0], info[1])));
}
Napi::Value synchronize_js(const Napi::CallbackInfo& info) {
  if (is_nullish(info, 0)) synchronize(default_stream(default_device()));
  else synchronize(get_stream(to_int(info[0], "stream")));
  return info.Env().Undefined();
}

// backendCounters(deviceType) -> { name: value } debug counters (GPU: CPU fallbacks, transfer bytes).
Napi::Value backend_counters_js(const Napi::CallbackInfo& info) {
  auto o = Napi::Object::New(info.Env());
  for (auto& [k, v] : backend_counters(to_device(info[0], info[1]).type)) o.Set(k, v);
  return o;
}
// setBackendOption(deviceType, name, value), e.g. (1, "tf32", 1).
Napi::Value set_backend_option_js(const Napi::CallbackInfo& info) {
  set_backend_option(to_device(info[0], info.Env().Undefined()).type, info[1].As<Napi::String>().Utf8Value(),
                     info[2].As<Napi::Number>().DoubleValue());
  return info.Env().Undefined();
}

}  // namespace

void report_external_memory(Napi::Env env) {
  static int64_t reported = 0;
  int64_t now = (int64_t)Allocator::instance().total_reserved();
  int64_t delta = now - reported;
  if (delta > (1 << 20) || delta < -(1 << 20)) {
    Napi::MemoryManagement::AdjustExternalMemory(env, delta);
    reported = now;
  }
}

MLX_BIND("fromBuffer", from_buffer);
MLX_BIND("toBuffer", to_buffer);
MLX_BIND("item", item);
MLX_BIND("tolist", tolist);
MLX_BIND("eval", eval_js);
MLX_BIND("asyncEval", async_eval);
MLX_BIND("isEvaluated", is_evaluated);
MLX_BIND("memoryStats", memory_stats);
MLX_BIND("resetPeakMemory", reset_peak);
MLX_BIND("setMemoryLimit", set_memory_limit);
MLX_BIND("setCacheLimit", set_cache_limit);
MLX_BIND("clearCache", clear_cache);
MLX_BIND("setNumThreads", set_threads);
MLX_BIND("getNumThreads", get_threads);
MLX_BIND("isAvailable", device_available);
MLX_BIND("defaultDevice", get_default_device);
MLX_BIND("setDefaultDevice", set_default_device_js);
MLX_BIND("defaultStream", get_default_stream);
MLX_BIND("setDefaultStream", set_default_stream_js);
MLX_BIND("newStream", new_stream_js);
MLX_BIND("synchronize", synchronize_js);
MLX_BIND("backendCounters", backend_counters_js);
MLX_BIND("setBackendOption", set_backend_option_js);

}  // namespace mlx::js
