#include "dtype.h"

namespace mlx {

int dtype_size(Dtype t) {
  static constexpr int sizes[kNumDtypes] = {1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 2, 4, 8, 8};
  return sizes[(int)t];
}

DtypeKind dtype_kind(Dtype t) {
  switch (t) {
    case Dtype::bool_: return DtypeKind::boolean;
    case Dtype::uint8: case Dtype::uint16: case Dtype::uint32: case Dtype::uint64: return DtypeKind::unsigned_int;
    case Dtype::int8: case Dtype::int16: case Dtype::int32: case Dtype::int64: return DtypeKind::signed_int;
    case Dtype::complex64: return DtypeKind::complex;
    default: return DtypeKind::floating;
  }
}

const char* dtype_name(Dtype t) {
  static const char* names[kNumDtypes] = {"bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16",
                                          "int32", "int64", "float16", "bfloat16", "float32", "float64",
                                          "complex64"};
  return names[(int)t];
}

Dtype promote_types(Dtype a, Dtype b) {
  // Rows/cols in enum order: b, u8, u16, u32, u64, i8, i16, i32, i64, f16, bf16, f32, f64, c64
  using D = Dtype;
  static constexpr D b_ = D::bool_, u8 = D::uint8, u16 = D::uint16, u32 = D::uint32, u64 = D::uint64,
                     i8 = D::int8, i16 = D::int16, i32 = D::int32, i64 = D::int64, f16 = D::float16,
                     bf = D::bfloat16, f32 = D::float32, f64 = D::float64, c64 = D::complex64;
  static constexpr D table[kNumDtypes][kNumDtypes] = {
      /* b   */ {b_, u8, u16, u32, u64, i8, i16, i32, i64, f16, bf, f32, f64, c64},
      /* u8  */ {u8, u8, u16, u32, u64, i16, i16, i32, i64, f16, bf, f32, f64, c64},
      /* u16 */ {u16, u16, u16, u32, u64, i32, i32, i32, i64, f16, bf, f32, f64, c64},
      /* u32 */ {u32, u32, u32, u32, u64, i64, i64, i64, i64, f16, bf, f32, f64, c64},
      /* u64 */ {u64, u64, u64, u64, u64, f32, f32, f32, f32, f16, bf, f32, f64, c64},
      /* i8  */ {i8, i16, i32, i64, f32, i8, i16, i32, i64, f16, bf, f32, f64, c64},
      /* i16 */ {i16, i16, i32, i64, f32, i16, i16, i32, i64, f16, bf, f32, f64, c64},
      /* i32 */ {i32, i32, i32, i64, f32, i32, i32, i32, i64, f16, bf, f32, f64, c64},
      /* i64 */ {i64, i64, i64, i64, f32, i64, i64, i64, i64, f16, bf, f32, f64, c64},
      /* f16 */ {f16, f16, f16, f16, f16, f16, f16, f16, f16, f16, f32, f32, f64, c64},
      /* bf  */ {bf, bf, bf, bf, bf, bf, bf, bf, bf, f32, bf, f32, f64, c64},
      /* f32 */ {f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f64, c64},
      /* f64 */ {f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, c64},
      /* c64 */ {c64, c64, c64, c64, c64, c64, c64, c64, c64, c64, c64, c64, c64, c64},
  };
  return table[(int)a][(int)b];
}

}  // namespace mlx
