// File-backed arrays for the loaders in @mlx/core's io.ts (the file formats are parsed there).
#include <cstring>

#include "../io/mapping.h"
#include "convert.h"

namespace mlx::js {

namespace {

using MappingRef = std::shared_ptr<FileMapping>;

// mmapFile(path) -> {handle, size}
Napi::Value mmap_file(const Napi::CallbackInfo& i) {
  check(i[0].IsString(), ErrorCode::invalid_argument, "[load] Expected a file path.");
  auto m = FileMapping::open(i[0].As<Napi::String>().Utf8Value());
  auto o = Napi::Object::New(i.Env());
  o.Set("size", (double)m->size());
  o.Set("handle", Napi::External<MappingRef>::New(i.Env(), new MappingRef(m), [](Napi::Env, MappingRef* r) { delete r; }));
  return o;
}

// fromMapping(handle, byteOffset, shape, dtype) -> array viewing the file's bytes
Napi::Value from_mapping(const Napi::CallbackInfo& i) {
  check(i[0].IsExternal(), ErrorCode::invalid_argument, "[load] Expected a mapping handle.");
  MappingRef m = *i[0].As<Napi::External<MappingRef>>().Data();
  return wrap(i.Env(), array_from_mapping(m, (size_t)to_int64(i[1], "offset"), to_shape(i[2], "shape"), to_dtype(i[3])));
}

// fromBytes(uint8Array, shape, dtype) -> array with a copy of the raw little-endian bytes
Napi::Value from_bytes(const Napi::CallbackInfo& i) {
  check(i[0].IsTypedArray(), ErrorCode::invalid_argument, "[array] Expected bytes.");
  auto ta = i[0].As<Napi::TypedArray>();
  Shape shape = to_shape(i[1], "shape");
  Dtype dt = to_dtype(i[2]);
  Array a = Array::empty(shape, dt);
  check(ta.ByteLength() == a.nbytes(), ErrorCode::malformed_file,
        "[load] Expected " + std::to_string(a.nbytes()) + " bytes of tensor data, got " + std::to_string(ta.ByteLength()) + ".");
  if (a.nbytes()) std::memcpy(a.raw_data(), static_cast<char*>(ta.ArrayBuffer().Data()) + ta.ByteOffset(), a.nbytes());
  return wrap(i.Env(), a);
}

}  // namespace

MLX_BIND("mmapFile", mmap_file);
MLX_BIND("fromMapping", from_mapping);
MLX_BIND("fromBytes", from_bytes);

}  // namespace mlx::js
