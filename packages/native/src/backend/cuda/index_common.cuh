// Shared by the GPU gather/scatter kernels: index dtype dispatch, MLX's negative-index wrap, and
// the deferred range check. Kernels that read device-resident indices cannot raise at launch, so
// an out-of-range index is recorded in pinned host memory (the first one wins), the access is
// clamped, and the stream synchronisation at the end of eval raises the CPU backend's IndexError.
#pragma once
#include <string>

#include "common.cuh"

namespace mlx::cu {

enum IndexOpCode : int { kOpGather = 1, kOpTakeAlongAxis = 2, kOpScatter = 3, kOpPutAlongAxis = 4 };

struct IndexErrorRecord {
  int flag;  // 0 none, -1 being written, 1 recorded
  int op;
  long long value, dim, window;
};

// Device-visible pointer of the (mapped, pinned) record; created on first use.
IndexErrorRecord* index_error_record();

__device__ __forceinline__ void report_index_error(IndexErrorRecord* r, int op, long long raw, long long dim,
                                                   long long window) {
  if (atomicCAS(&r->flag, 0, -1) == 0) {
    r->op = op;
    r->value = raw;
    r->dim = dim;
    r->window = window;
    __threadfence_system();
    atomicExch(&r->flag, 1);
  }
}

template <typename I> __device__ __forceinline__ int64_t wrap_index(I v, int64_t n) {
  if constexpr (std::is_signed_v<I>) return v < 0 ? (int64_t)v + n : (int64_t)v;
  else return (int64_t)v;
}

template <typename F> decltype(auto) dispatch_index_dev(Dtype dt, F&& f) {
  switch (dt) {
    case Dtype::uint8: return f((uint8_t*)nullptr);
    case Dtype::uint16: return f((uint16_t*)nullptr);
    case Dtype::uint32: return f((uint32_t*)nullptr);
    case Dtype::uint64: return f((uint64_t*)nullptr);
    case Dtype::int8: return f((int8_t*)nullptr);
    case Dtype::int16: return f((int16_t*)nullptr);
    case Dtype::int32: return f((int32_t*)nullptr);
    case Dtype::int64: return f((int64_t*)nullptr);
    default: break;
  }
  throw_error(ErrorCode::dtype, std::string("Indices must be integral, got ") + dtype_name(dt) + ".");
}

// Raw element words: gathers and plain copies only care about the element size.
template <typename F> decltype(auto) dispatch_word(int size, F&& f) {
  switch (size) {
    case 1: return f((uint8_t*)nullptr);
    case 2: return f((uint16_t*)nullptr);
    case 4: return f((uint32_t*)nullptr);
    case 8: return f((uint64_t*)nullptr);
    default: break;
  }
  throw_error(ErrorCode::internal, "[cuda] Unsupported element size.");
}

// offs[i] (+)= wrap(idx[i]) * stride over the index positions (row-major over their shape, idx
// read through layout L). slots (optional) accumulates the row-major position of the indexed
// coordinates (slot * dim + w), used to resolve duplicate writes of a scatter.
void index_offsets(const Array& idx, const StridedLayout<1>& L, int64_t n_idx, int64_t dim, int64_t window,
                   int64_t stride, int64_t* offs, int64_t* slots, bool first, int op, const Stream& s);

// Layout of an index array over its own shape (broadcast strides allowed).
inline StridedLayout<1> index_layout(const Array& x) {
  StridedLayout<1> L;
  check(make_layout<1>(x.shape(), {&x.strides()}, L), ErrorCode::not_implemented, "[cuda] index: too many dims.");
  return L;
}

}  // namespace mlx::cu
