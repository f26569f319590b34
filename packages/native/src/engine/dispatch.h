// Dtype dispatch: one switch maps a runtime Dtype to a C++ type for a generic lambda.
#pragma once
#include <type_traits>

#include "dtype.h"
#include "errors.h"

namespace mlx {

template <typename T> struct TypeTag { using type = T; };

#define MLX_DTYPE_CASE(D, T) case Dtype::D: return f(TypeTag<T>{});

template <typename F> decltype(auto) dispatch_all(Dtype dt, F&& f) {
  switch (dt) {
    MLX_DTYPE_CASE(bool_, bool) MLX_DTYPE_CASE(uint8, uint8_t) MLX_DTYPE_CASE(uint16, uint16_t)
    MLX_DTYPE_CASE(uint32, uint32_t) MLX_DTYPE_CASE(uint64, uint64_t) MLX_DTYPE_CASE(int8, int8_t)
    MLX_DTYPE_CASE(int16, int16_t) MLX_DTYPE_CASE(int32, int32_t) MLX_DTYPE_CASE(int64, int64_t)
    MLX_DTYPE_CASE(float16, float16_t) MLX_DTYPE_CASE(bfloat16, bfloat16_t) MLX_DTYPE_CASE(float32, float)
    MLX_DTYPE_CASE(float64, double) MLX_DTYPE_CASE(complex64, complex64_t)
  }
  throw_error(ErrorCode::dtype, "[dispatch] Unknown dtype.");
}

// Real (non-complex) types only; complex throws a dtype error naming the op.
template <typename F> decltype(auto) dispatch_real(Dtype dt, const char* op, F&& f) {
  if (dt == Dtype::complex64) throw_error(ErrorCode::dtype, std::string("[") + op + "] complex64 is not supported.");
  return dispatch_all(dt, std::forward<F>(f));
}

template <typename F> decltype(auto) dispatch_float(Dtype dt, const char* op, F&& f) {
  switch (dt) {
    MLX_DTYPE_CASE(float16, float16_t) MLX_DTYPE_CASE(bfloat16, bfloat16_t) MLX_DTYPE_CASE(float32, float)
    MLX_DTYPE_CASE(float64, double)
    default: break;
  }
  throw_error(ErrorCode::dtype, std::string("[") + op + "] Expected a floating point dtype, got " + dtype_name(dt) + ".");
}

#undef MLX_DTYPE_CASE

// Value conversions that treat half types and complex sensibly.
template <typename To, typename From> inline To cast_value(From v) {
  if constexpr (std::is_same_v<To, From>) return v;
  else if constexpr (std::is_same_v<From, complex64_t>) {
    if constexpr (std::is_same_v<To, bool>) return v != complex64_t(0);
    else return cast_value<To>(v.real());
  } else if constexpr (std::is_same_v<To, complex64_t>) {
    return complex64_t((float)v, 0.0f);
  } else if constexpr (std::is_same_v<From, float16_t> || std::is_same_v<From, bfloat16_t>) {
    return cast_value<To>((float)v);
  } else if constexpr (std::is_same_v<To, float16_t> || std::is_same_v<To, bfloat16_t>) {
    return To((float)v);
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace mlx
