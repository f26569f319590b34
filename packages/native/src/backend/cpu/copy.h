#pragma once
#include "../../engine/array.h"

namespace mlx::cpu {

// Copies src (any layout, any dtype) into dst's buffer with dst's strides, converting dtype.
// dst must already hold a buffer; shapes must match.
void copy_into(const Array& src, const Array& dst);

// Same, but into raw memory at `dst_ptr` laid out with `dst_strides` (for concatenate/slice_update).
void copy_to_raw(const Array& src, void* dst_ptr, Dtype dst_dtype, const Strides& dst_strides);

// A row-contiguous array with the same values (shares the buffer when src already is one).
Array contiguous(const Array& src);

}  // namespace mlx::cpu
