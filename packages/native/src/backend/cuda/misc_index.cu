// GPU kernels for the remaining index-like primitives: RandomArgsort (a stable radix sort of uint32 bits,
// as the CPU's sort of (value, index) pairs), RandomTake (rows gathered along an axis), IndexUpdateUnary
// (negate / invert update values) and MaskedScatter (rows of src into the mask's true positions; the mask
// is read on the host for the row map and the count check, as the op must raise before writing).
#include <cub/device/device_radix_sort.cuh>

#include "../../primitives/indexing.h"
#include "../../primitives/random.h"
#include "index_common.cuh"

namespace mlx::cu {

namespace {

constexpr int kThreads = 256;

#define MLX_GRID_LOOP(i, n) \
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n); i += (int64_t)gridDim.x * blockDim.x)

bool has_complex_or_deep(const Array& a) {
  return a.dtype() == Dtype::complex64 || (!a.flags().row_contiguous && a.ndim() > kMaxDims);
}

// ---------------------------------------------------------------- RandomArgsort
__global__ void iota_kernel(uint32_t* v, int64_t n) {
  MLX_GRID_LOOP(i, n) v[i] = (uint32_t)i;
}

void random_argsort_gpu(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  const Array& a = in[0];
  int64_t n = a.size();
  if (a.dtype() != Dtype::uint32 || has_complex_or_deep(a) || n >= (int64_t(1) << 31)) return cpu_fallback(p, in, out);
  auto& s = p.stream();
  void* d = alloc_out(out[0], s);
  if (n == 0) return;
  cudaStream_t st = stream_of(s);
  Array x = contiguous_gpu(a, s);
  const uint32_t* keys = static_cast<const uint32_t*>(in_ptr(x, s));
  Array kout = device_empty({n}, Dtype::uint32, s), vin = device_empty({n}, Dtype::uint32, s);
  uint32_t* vi = static_cast<uint32_t*>(vin.buffer()->device_ptr);
  iota_kernel<<<blocks_for(n, kThreads), kThreads, 0, st>>>(vi, n);
  MLX_CUDA_LAUNCHED();
  size_t bytes = 0;
  uint32_t* ko = static_cast<uint32_t*>(kout.buffer()->device_ptr);
  MLX_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, bytes, keys, ko, vi, (uint32_t*)d, (int)n, 0, 32, st));
  Array tmp = device_empty({(int64_t)std::max<size_t>(bytes, 1)}, Dtype::uint8, s);
  // Radix sort is stable: equal values keep their index order, as the CPU's sort of (value << 32 | index).
  MLX_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(tmp.buffer()->device_ptr, bytes, keys, ko, vi, (uint32_t*)d, (int)n,
                                                 0, 32, st));
}

// ---------------------------------------------------------------- RandomTake
template <typename W>
__global__ void take_rows_kernel(const W* x, const uint32_t* idx, W* o, int64_t total, int64_t k, int64_t n,
                                 int64_t inner) {
  MLX_GRID_LOOP(t, total) {
    int64_t row = t / inner, e = t - row * inner;
    int64_t a = row / k, j = row - a * k;
    int64_t src = idx[j];
    if (src >= n) src = n - 1;  // the CPU trusts its permutation indices; never read out of bounds here
    o[t] = x[(a * n + src) * inner + e];
  }
}

void random_take_gpu(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  int axis = static_cast<const RandomTake&>(p).axis();
  const Array &x0 = in[0], &i0 = in[1];
  if (has_complex_or_deep(x0) || i0.dtype() != Dtype::uint32 || has_complex_or_deep(i0)) return cpu_fallback(p, in, out);
  auto& s = p.stream();
  Array& o = out[0];
  void* d = alloc_out(o, s);
  if (o.size() == 0) return;
  Array x = contiguous_gpu(x0, s), idx = contiguous_gpu(i0, s);
  int64_t outer = 1, inner = 1, n = x.shape(axis), k = o.shape(axis);
  for (int i = 0; i < axis; i++) outer *= x.shape(i);
  for (int i = axis + 1; i < x.ndim(); i++) inner *= x.shape(i);
  if (n == 0) return cpu_fallback(p, in, out);
  const void* xp = in_ptr(x, s);
  const uint32_t* ip = static_cast<const uint32_t*>(in_ptr(idx, s));
  int64_t total = outer * k * inner;
  dispatch_word((int)x.itemsize(), [&](auto wp) {
    using W = MLX_T(wp);
    take_rows_kernel<W><<<blocks_for(total, kThreads), kThreads, 0, stream_of(s)>>>((const W*)xp, ip, (W*)d, total, k,
                                                                                    n, inner);
    MLX_CUDA_LAUNCHED();
  });
}

// ---------------------------------------------------------------- IndexUpdateUnary
template <typename T> __global__ void negate_kernel(const T* x, T* o, int64_t n) {
  MLX_GRID_LOOP(i, n) {
    if constexpr (std::is_same_v<T, bool>) o[i] = x[i];
    else if constexpr (is_half_v<T>) o[i] = cvt<T>(-cvt<float>(x[i]));
    else o[i] = T(-x[i]);
  }
}
template <typename S, typename T> __global__ void reciprocal_kernel(const S* x, T* o, int64_t n) {
  MLX_GRID_LOOP(i, n) {
    if constexpr (std::is_same_v<T, double>) o[i] = __ddiv_rn(1.0, cvt<double>(x[i]));
    else o[i] = cvt<T>(__fdiv_rn(1.0f, cvt<float>(x[i])));
  }
}

void index_update_unary_gpu(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto op = static_cast<const IndexUpdateUnary&>(p).op();
  const Array& x0 = in[0];
  Array& o = out[0];
  Dtype od = o.dtype();
  bool float_out = od == Dtype::float32 || od == Dtype::float64 || od == Dtype::float16 || od == Dtype::bfloat16;
  if (has_complex_or_deep(x0) || od == Dtype::complex64 || (op == IndexUpdateUnary::negative && od != x0.dtype()) ||
      (op == IndexUpdateUnary::reciprocal && !float_out))
    return cpu_fallback(p, in, out);
  auto& s = p.stream();
  void* d = alloc_out(o, s);
  int64_t n = x0.size();
  if (n == 0) return;
  Array x = contiguous_gpu(x0, s);
  const void* xp = in_ptr(x, s);
  cudaStream_t st = stream_of(s);
  dispatch_dev(x.dtype(), [&](auto sp) {
    using S = MLX_T(sp);
    if (op == IndexUpdateUnary::negative) {
      negate_kernel<S><<<blocks_for(n, kThreads), kThreads, 0, st>>>((const S*)xp, (S*)d, n);
    } else {
      dispatch_dev_float(od, [&](auto tp) {
        using T = MLX_T(tp);
        reciprocal_kernel<S, T><<<blocks_for(n, kThreads), kThreads, 0, st>>>((const S*)xp, (T*)d, n);
      });
    }
    MLX_CUDA_LAUNCHED();
  });
}

// ---------------------------------------------------------------- MaskedScatter
template <typename W>
__global__ void masked_rows_kernel(const W* src, W* o, const int64_t* dst_rows, int64_t count, int64_t inner,
                                   int64_t src_row_stride, StridedLayout<1> RL) {
  MLX_GRID_LOOP(t, count * inner) {
    int64_t r = t / inner, k = t - r * inner;
    int64_t off;
    strided_offsets<1>(RL, k, &off);
    o[dst_rows[r] * inner + k] = src[r * src_row_stride + off];
  }
}

void masked_scatter_gpu(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  const Array &a = in[0], &mask0 = in[1], &src = in[2];
  Array& o = out[0];
  Shape row_shape(src.shape().begin() + 1, src.shape().end());
  Strides row_st(src.strides().begin() + 1, src.strides().end());
  StridedLayout<1> RL;
  if (has_complex_or_deep(a) || src.dtype() != o.dtype() || a.dtype() != o.dtype() || mask0.dtype() != Dtype::bool_ ||
      src.ndim() < 1 || !make_layout<1>(row_shape, {&row_st}, RL) || a.ndim() > kMaxDims)
    return cpu_fallback(p, in, out);
  auto& s = p.stream();
  // The row map needs the mask on the host (a device mask migrates here, like item()).
  Array mask = mask0.flags().row_contiguous ? mask0 : contiguous_gpu(mask0, s);
  const int64_t m = mask.size(), inner = m > 0 ? a.size() / std::max<int64_t>(m, 1) : 0;
  const bool* mk = mask.data<bool>();
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < m; i++)
    if (mk[i]) rows.push_back(i);
  const int64_t count = (int64_t)rows.size();
  if (count > src.shape(0))
    throw_error(ErrorCode::shape, "[masked_scatter] The mask selects " + std::to_string(count) +
                                      " positions but the value provides only " + std::to_string(src.shape(0)) + ".");
  // The output starts as a copy of a (or takes its buffer).
  const bool dense = a.flags().row_contiguous && a.data_size() == a.size();
  if (!(dense && donate(a, o, s))) {
    void* d = alloc_out(o, s);
    if (o.size() > 0) copy_gpu(a, d, o.dtype(), o.strides(), s);
  }
  if (count == 0 || inner == 0) return;
  Array rows_arr = Array::empty({count}, Dtype::int64);
  std::copy(rows.begin(), rows.end(), rows_arr.data<int64_t>());
  const int64_t* rp = static_cast<const int64_t*>(in_ptr(rows_arr, s));
  const void* sp = in_ptr(src, s);
  void* d = o.buffer()->device_ptr;
  char* base = static_cast<char*>(d) + o.offset() * o.itemsize();
  dispatch_word((int)o.itemsize(), [&](auto wp) {
    using W = MLX_T(wp);
    masked_rows_kernel<W><<<blocks_for(count * inner, kThreads), kThreads, 0, stream_of(s)>>>(
        (const W*)sp, (W*)base, rp, count, inner, src.strides()[0], RL);
    MLX_CUDA_LAUNCHED();
  });
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, RandomArgsort, random_argsort_gpu);
MLX_REGISTER_KERNEL(gpu, RandomTake, random_take_gpu);
MLX_REGISTER_KERNEL(gpu, IndexUpdateUnary, index_update_unary_gpu);
MLX_REGISTER_KERNEL(gpu, MaskedScatter, masked_scatter_gpu);

}  // namespace mlx::cu
