// Device-side helpers shared by the CUDA kernels: dtype mapping, conversions, strided indexing.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <type_traits>

#include "runtime.h"

namespace mlx::cu {

// Host dtype -> device storage type (half types map to CUDA's, complex has no GPU kernels).
template <typename F> decltype(auto) dispatch_dev(Dtype dt, F&& f) {
  switch (dt) {
    case Dtype::bool_: return f((bool*)nullptr);
    case Dtype::uint8: return f((uint8_t*)nullptr);
    case Dtype::uint16: return f((uint16_t*)nullptr);
    case Dtype::uint32: return f((uint32_t*)nullptr);
    case Dtype::uint64: return f((uint64_t*)nullptr);
    case Dtype::int8: return f((int8_t*)nullptr);
    case Dtype::int16: return f((int16_t*)nullptr);
    case Dtype::int32: return f((int32_t*)nullptr);
    case Dtype::int64: return f((int64_t*)nullptr);
    case Dtype::float16: return f((__half*)nullptr);
    case Dtype::bfloat16: return f((__nv_bfloat16*)nullptr);
    case Dtype::float32: return f((float*)nullptr);
    case Dtype::float64: return f((double*)nullptr);
    default: break;
  }
  throw_error(ErrorCode::dtype, "[cuda] dtype has no GPU kernel.");
}
template <typename F> decltype(auto) dispatch_dev_float(Dtype dt, F&& f) {
  switch (dt) {
    case Dtype::float16: return f((__half*)nullptr);
    case Dtype::bfloat16: return f((__nv_bfloat16*)nullptr);
    case Dtype::float32: return f((float*)nullptr);
    case Dtype::float64: return f((double*)nullptr);
    default: break;
  }
  throw_error(ErrorCode::dtype, "[cuda] expected a floating point dtype.");
}
#define MLX_T(p) std::remove_pointer_t<decltype(p)>

template <typename T> constexpr bool is_half_v = std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>;
template <typename T> constexpr bool is_fp_v = is_half_v<T> || std::is_floating_point_v<T>;
// Arithmetic type: halves compute in float.
template <typename T> using Calc = std::conditional_t<is_half_v<T>, float, T>;

template <typename To, typename From> __device__ __forceinline__ To cvt(From x) {
  if constexpr (std::is_same_v<To, From>) return x;
  else if constexpr (is_half_v<From>) return cvt<To>((float)x);
  else if constexpr (std::is_same_v<To, __half>) return __float2half((float)x);
  else if constexpr (std::is_same_v<To, __nv_bfloat16>) return __float2bfloat16((float)x);
  else if constexpr (std::is_same_v<To, bool>) return x != From(0);
  else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To> && !std::is_same_v<To, int32_t> &&
                     !std::is_same_v<To, int64_t>) {
    // The CPU backend's conversion on x86-64 goes through a 64-bit integer and truncates (-3.7 -> uint8
    // 253, 200.0 -> int8 -56); the GPU's cvt instructions saturate instead. Match the CPU.
    if constexpr (std::is_same_v<To, uint64_t>) {
      if (x >= From(9223372036854775808.0)) return static_cast<To>(x);
    }
    return static_cast<To>(static_cast<int64_t>(x));
  } else return static_cast<To>(x);
}

constexpr int kMaxDims = 8;
// Collapsed strided layout of up to N operands (element strides), passed by value to kernels.
template <int N> struct StridedLayout {
  int ndim;
  int64_t shape[kMaxDims];
  int64_t strides[N][kMaxDims];
};
// Element offsets of flat (row-major) index i in each operand.
template <int N> __device__ __forceinline__ void strided_offsets(const StridedLayout<N>& L, int64_t i, int64_t* off) {
#pragma unroll
  for (int k = 0; k < N; k++) off[k] = 0;
  for (int d = L.ndim - 1; d >= 0; d--) {
    int64_t idx = i % L.shape[d];
    i /= L.shape[d];
#pragma unroll
    for (int k = 0; k < N; k++) off[k] += idx * L.strides[k][d];
  }
}
// Merges dims contiguous in every operand; false when more than kMaxDims remain.
template <int N> bool make_layout(const Shape& shape, const std::vector<const Strides*>& strides, StridedLayout<N>& L) {
  std::vector<int64_t> sh;
  std::vector<std::vector<int64_t>> st(N);
  for (size_t i = 0; i < shape.size(); i++) {
    if (shape[i] == 1) continue;
    bool merge = !sh.empty();
    for (int k = 0; k < N && merge; k++) merge = st[k].back() == (*strides[k])[i] * shape[i];
    if (merge) {
      sh.back() *= shape[i];
      for (int k = 0; k < N; k++) st[k].back() = (*strides[k])[i];
    } else {
      sh.push_back(shape[i]);
      for (int k = 0; k < N; k++) st[k].push_back((*strides[k])[i]);
    }
  }
  if (sh.empty()) { sh.push_back(1); for (int k = 0; k < N; k++) st[k].push_back(0); }
  if (sh.size() > (size_t)kMaxDims) return false;
  L.ndim = (int)sh.size();
  for (int d = 0; d < L.ndim; d++) {
    L.shape[d] = sh[d];
    for (int k = 0; k < N; k++) L.strides[k][d] = st[k][d];
  }
  return true;
}

inline int blocks_for(int64_t n, int threads) {
  int64_t b = (n + threads - 1) / threads;
  int64_t cap = (int64_t)num_sms() * 32;
  return (int)(b < cap ? (b > 0 ? b : 1) : cap);
}

// Warp / block reductions.
template <typename T, typename Op> __device__ __forceinline__ T warp_reduce(T v, Op op) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}
// All threads of the block get the result. `smem` holds at least 32 T; `identity` pads the
// partials of missing warps (op(x, identity) == x).
template <typename T, typename Op> __device__ T block_reduce(T v, Op op, T* smem, T identity) {
  int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = (blockDim.x + 31) >> 5;
  v = warp_reduce(v, op);
  __syncthreads();
  if (lane == 0) smem[wid] = v;
  __syncthreads();
  if (wid == 0) {
    T x = lane < nw ? smem[lane] : identity;
    x = warp_reduce(x, op);
    if (lane == 0) smem[0] = x;
  }
  __syncthreads();
  return smem[0];
}

}  // namespace mlx::cu
