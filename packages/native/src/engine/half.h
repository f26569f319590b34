// IEEE binary16 and bfloat16 storage types with float conversion.
// Arithmetic always widens to float; these types only define layout and rounding.
#pragma once
#include <cstdint>
#include <cstring>

namespace mlx {

inline float bits_to_float(uint32_t b) { float f; std::memcpy(&f, &b, 4); return f; }
inline uint32_t float_to_bits(float f) { uint32_t b; std::memcpy(&b, &f, 4); return b; }

inline float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  // inf / nan; NaNs come out quiet, as F16C (vcvtph2ps) does
  if (exp == 0x1f) return bits_to_float(sign | 0x7f800000 | (man << 13) | (man ? 0x400000u : 0u));
  if (exp == 0) {
    if (man == 0) return bits_to_float(sign);
    // subnormal: value = man * 2^-24
    float v = (float)man * 5.9604644775390625e-08f;
    return sign ? -v : v;
  }
  return bits_to_float(sign | ((exp + 112) << 23) | (man << 13));
}

inline uint16_t float_to_half(float f) {
  uint32_t x = float_to_bits(f);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t ax = x & 0x7fffffff;
  if (ax >= 0x7f800000) return (uint16_t)(sign | 0x7c00 | (ax > 0x7f800000 ? 0x200 : 0));
  if (ax >= 0x477ff000) return (uint16_t)(sign | 0x7c00);  // rounds to inf
  if (ax < 0x38800000) {  // subnormal or zero in half: round via float addition trick
    float v = bits_to_float(ax) + 0.5f;  // 0.5 = 2^-1 puts half-subnormal ulp (2^-24) at float ulp
    return (uint16_t)(sign | (float_to_bits(v) - 0x3f000000));
  }
  uint32_t mant_odd = (ax >> 13) & 1;
  ax += 0xc8000fff + mant_odd;  // rebias exponent (-112<<23) and round to nearest even
  return (uint16_t)(sign | (ax >> 13));
}

inline float bf16_to_float(uint16_t h) { return bits_to_float((uint32_t)h << 16); }
inline uint16_t float_to_bf16(float f) {
  uint32_t x = float_to_bits(f);
  if ((x & 0x7fffffff) > 0x7f800000) return (uint16_t)((x >> 16) | 0x40);  // quiet nan
  x += 0x7fff + ((x >> 16) & 1);
  return (uint16_t)(x >> 16);
}

struct float16_t {
  uint16_t bits;
  float16_t() = default;
  float16_t(float f) : bits(float_to_half(f)) {}
  template <typename T> explicit float16_t(T v) : bits(float_to_half((float)v)) {}
  operator float() const { return half_to_float(bits); }
};

struct bfloat16_t {
  uint16_t bits;
  bfloat16_t() = default;
  bfloat16_t(float f) : bits(float_to_bf16(f)) {}
  template <typename T> explicit bfloat16_t(T v) : bits(float_to_bf16((float)v)) {}
  operator float() const { return bf16_to_float(bits); }
};

}  // namespace mlx
