#pragma once
#include <complex>
#include <cstdint>
#include <string>
#include "half.h"

namespace mlx {

using complex64_t = std::complex<float>;

// Order matters: it is the index into the promotion table and the JS dtype list.
enum class Dtype : uint8_t {
  bool_, uint8, uint16, uint32, uint64, int8, int16, int32, int64,
  float16, bfloat16, float32, float64, complex64
};
constexpr int kNumDtypes = 14;

enum class DtypeKind : uint8_t { boolean, unsigned_int, signed_int, floating, complex };

int dtype_size(Dtype t);
DtypeKind dtype_kind(Dtype t);
const char* dtype_name(Dtype t);
inline bool is_floating(Dtype t) { return dtype_kind(t) == DtypeKind::floating; }
inline bool is_integral(Dtype t) {
  auto k = dtype_kind(t);
  return k == DtypeKind::unsigned_int || k == DtypeKind::signed_int;
}
inline bool is_inexact(Dtype t) { auto k = dtype_kind(t); return k == DtypeKind::floating || k == DtypeKind::complex; }

// MLX's type promotion (mlx/dtype.cpp): the smallest type that holds both.
Dtype promote_types(Dtype a, Dtype b);

template <typename T> struct TypeToDtype;
#define MLX_TYPE_MAP(T, D) template <> struct TypeToDtype<T> { static constexpr Dtype value = Dtype::D; };
MLX_TYPE_MAP(bool, bool_) MLX_TYPE_MAP(uint8_t, uint8) MLX_TYPE_MAP(uint16_t, uint16)
MLX_TYPE_MAP(uint32_t, uint32) MLX_TYPE_MAP(uint64_t, uint64) MLX_TYPE_MAP(int8_t, int8)
MLX_TYPE_MAP(int16_t, int16) MLX_TYPE_MAP(int32_t, int32) MLX_TYPE_MAP(int64_t, int64)
MLX_TYPE_MAP(float16_t, float16) MLX_TYPE_MAP(bfloat16_t, bfloat16) MLX_TYPE_MAP(float, float32)
MLX_TYPE_MAP(double, float64) MLX_TYPE_MAP(complex64_t, complex64)
#undef MLX_TYPE_MAP

}  // namespace mlx
