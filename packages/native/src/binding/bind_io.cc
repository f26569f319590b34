// File-backed arrays for the loaders in @mlx/core's io.ts (the file formats are parsed there).
#include <cstring>

#include "../io/gguf_quants.h"
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

MappingRef mapping_of(Napi::Value v) {
  check(v.IsExternal(), ErrorCode::invalid_argument, "[load] Expected a mapping handle.");
  return *v.As<Napi::External<MappingRef>>().Data();
}

// mappingBuffer(handle) -> ArrayBuffer over the whole mapped file (read-only; keeps the mapping alive)
Napi::Value mapping_buffer(const Napi::CallbackInfo& i) {
  MappingRef m = mapping_of(i[0]);
  if (m->size() == 0) return Napi::ArrayBuffer::New(i.Env(), 0);
  auto* keep = new MappingRef(m);
  return Napi::ArrayBuffer::New(i.Env(), const_cast<uint8_t*>(m->data()), m->size(),
                                [](Napi::Env, void*, MappingRef* k) { delete k; }, keep);
}

// The byte range of a GGML tensor, checked against the file.
const uint8_t* ggml_range(const MappingRef& m, int64_t off, int type, int64_t n) {
  auto bi = gguf::block_info(type);
  check(bi.elems > 0, ErrorCode::malformed_file, "[gguf] Unsupported tensor type " + std::to_string(type) + ".");
  check(n % bi.elems == 0, ErrorCode::malformed_file, "[gguf] Tensor size is not a multiple of its block size.");
  int64_t bytes = n / bi.elems * bi.bytes;
  check(off >= 0 && (uint64_t)off <= m->size() && (uint64_t)bytes <= m->size() - off, ErrorCode::malformed_file,
        "[gguf] Tensor data at byte " + std::to_string(off) + " runs past the end of the file.");
  return m->data() + off;
}

// ggufDequantize(handle, byteOffset, type, shape) -> float32 array
Napi::Value gguf_dequantize(const Napi::CallbackInfo& i) {
  MappingRef m = mapping_of(i[0]);
  Shape shape = to_shape(i[3], "shape");
  int type = to_int(i[2], "type");
  Array out = Array::empty(shape, Dtype::float32);
  const uint8_t* src = ggml_range(m, to_int64(i[1], "offset"), type, out.size());
  gguf::dequantize(type, src, out.data<float>(), out.size());
  return wrap(i.Env(), out);
}

// ggufToAffine(handle, byteOffset, type, rows, cols) -> [wq, scales, biases] or null on float16 overflow
Napi::Value gguf_to_affine(const Napi::CallbackInfo& i) {
  MappingRef m = mapping_of(i[0]);
  int type = to_int(i[2], "type");
  int64_t rows = to_int64(i[3], "rows"), cols = to_int64(i[4], "cols");
  check(type == gguf::Q4_0 || type == gguf::Q4_1 || type == gguf::Q8_0, ErrorCode::invalid_argument,
        "[gguf] Only Q4_0, Q4_1 and Q8_0 map onto affine quantization.");
  check(cols % 32 == 0, ErrorCode::malformed_file, "[gguf] Row length is not a multiple of 32.");
  const uint8_t* src = ggml_range(m, to_int64(i[1], "offset"), type, rows * cols);
  int bits = type == gguf::Q8_0 ? 8 : 4;
  Array wq = Array::empty({rows, cols * bits / 32}, Dtype::uint32);
  Array sc = Array::empty({rows, cols / 32}, Dtype::float16), bi = Array::empty({rows, cols / 32}, Dtype::float16);
  if (!gguf::to_affine(type, src, rows, cols, wq.data<uint32_t>(), reinterpret_cast<uint16_t*>(sc.raw_data()),
                       reinterpret_cast<uint16_t*>(bi.raw_data())))
    return i.Env().Null();
  return wrap_vec(i.Env(), {wq, sc, bi});
}

// ggufQuantize(float32 array, type) -> Uint8Array of blocks
Napi::Value gguf_quantize(const Napi::CallbackInfo& i) {
  Array a = to_array(i, 0);
  int type = to_int(i[1], "type");
  check(a.dtype() == Dtype::float32 && a.flags().row_contiguous && a.evaluated(), ErrorCode::invalid_argument,
        "[gguf] Expected an evaluated, contiguous float32 array.");
  check(type == gguf::Q4_0 || type == gguf::Q4_1 || type == gguf::Q8_0, ErrorCode::invalid_argument,
        "[gguf] Only Q4_0, Q4_1 and Q8_0 can be written quantized.");
  check(a.size() % 32 == 0, ErrorCode::shape, "[gguf] Quantized tensors need a multiple of 32 elements.");
  auto bi = gguf::block_info(type);
  auto out = Napi::Uint8Array::New(i.Env(), a.size() / 32 * bi.bytes);
  gguf::quantize(type, a.data<float>(), out.Data(), a.size());
  return out;
}

}  // namespace

MLX_BIND("mappingBuffer", mapping_buffer);
MLX_BIND("ggufDequantize", gguf_dequantize);
MLX_BIND("ggufToAffine", gguf_to_affine);
MLX_BIND("ggufQuantize", gguf_quantize);
MLX_BIND("mmapFile", mmap_file);
MLX_BIND("fromMapping", from_mapping);
MLX_BIND("fromBytes", from_bytes);

}  // namespace mlx::js
