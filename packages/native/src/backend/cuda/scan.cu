// Scan (cumsum, cumprod, cummax, cummin, logcumsumexp) on the GPU, inclusive/exclusive, forward
// or reverse, along any axis. The array is viewed as (outer, n, inner):
// - rows (inner == 1, or the axis moved last by a copy when there are few columns): one block per
//   row (or per chunk of a long row, with chunk totals scanned in between), a warp-shuffle scan
//   per tile of blockDim elements and a running carry;
// - columns (inner > 1 with enough of them): one thread per column walks the axis in order, which
//   is also the exact CPU order (used for half-precision sums/products, which the CPU rounds every
//   step, whenever the row is not long).
// Integer results are exact in any order (8/16-bit values accumulate in 32 bits: sums and products
// wrap the same modulo 2^8/2^16); float sums/products may be reassociated.
#include <limits>

#include "../../primitives/scan.h"
#include "common.cuh"

namespace mlx::cu {

namespace {

using ScanOp = Scan::Op;

template <typename T>
using SAcc = std::conditional_t<
    is_half_v<T>, float,
    std::conditional_t<std::is_same_v<T, bool> || std::is_same_v<T, int8_t> || std::is_same_v<T, int16_t>, int32_t,
                       std::conditional_t<std::is_same_v<T, uint8_t> || std::is_same_v<T, uint16_t>, uint32_t, T>>>;

template <ScanOp Op, typename T> __device__ __forceinline__ SAcc<T> scan_init() {
  using A = SAcc<T>;
  if constexpr (Op == ScanOp::sum) return A(0);
  else if constexpr (Op == ScanOp::prod) return A(1);
  else if constexpr (Op == ScanOp::max) {
    if constexpr (is_fp_v<T>) return A(-INFINITY);
    else return A(std::numeric_limits<T>::lowest());
  } else if constexpr (Op == ScanOp::min) {
    if constexpr (is_fp_v<T>) return A(INFINITY);
    else return A(std::numeric_limits<T>::max());
  } else return A(-INFINITY);
}

template <ScanOp Op, typename A> __device__ __forceinline__ A scan_apply(A a, A b) {
  if constexpr (Op == ScanOp::sum) return A(a + b);
  else if constexpr (Op == ScanOp::prod) return A(a * b);
  else if constexpr (Op == ScanOp::max) {
    if constexpr (std::is_floating_point_v<A>) return (a != a) ? a : ((b > a || b != b) ? b : a);
    else return b > a ? b : a;
  } else if constexpr (Op == ScanOp::min) {
    if constexpr (std::is_floating_point_v<A>) return (a != a) ? a : ((b < a || b != b) ? b : a);
    else return b < a ? b : a;
  } else {
    if (a != a || b != b) return a != a ? a : b;
    A hi = a > b ? a : b, lo = a > b ? b : a;
    if (lo == A(-INFINITY) || hi == A(INFINITY)) return hi;
    return hi + log1p(exp(lo - hi));
  }
}

// Half types round the running value to their precision after every step (CPU order).
template <typename T, typename A> __device__ __forceinline__ A round_acc(A v) {
  if constexpr (is_half_v<T>) return cvt<A>(cvt<T>(v));
  else return v;
}

// One thread per (outer, inner) column, sequential along the axis. Safe in place.
template <typename T, ScanOp Op>
__global__ void scan_seq_kernel(const T* src, T* dst, int64_t outer, int64_t n, int64_t inner, bool reverse,
                                bool inclusive) {
  using A = SAcc<T>;
  for (int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; t < outer * inner; t += (int64_t)gridDim.x * blockDim.x) {
    int64_t o = t / inner, c = t - o * inner;
    int64_t base = o * n * inner + c;
    A acc = scan_init<Op, T>();
    for (int64_t kk = 0; kk < n; kk++) {
      int64_t i = base + (reverse ? n - 1 - kk : kk) * inner;
      A x = cvt<A>(src[i]);
      if (inclusive) {
        acc = round_acc<T>(scan_apply<Op>(acc, x));
        dst[i] = cvt<T>(acc);
      } else {
        dst[i] = cvt<T>(acc);
        acc = round_acc<T>(scan_apply<Op>(acc, x));
      }
    }
  }
}

template <typename A> __device__ __forceinline__ A shfl_up(A v, int o) { return __shfl_up_sync(0xffffffffu, v, o); }

// Totals of each chunk of each row (logical order; reverse reads the row backwards).
template <typename T, ScanOp Op>
__global__ void scan_totals_kernel(const T* src, SAcc<T>* totals, int64_t rows, int64_t n, int64_t chunk,
                                   int64_t nchunks, bool reverse) {
  using A = SAcc<T>;
  __shared__ A part[32];
  int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
  for (int64_t r = blockIdx.y; r < rows; r += gridDim.y) {
    const T* s = src + r * n;
    int64_t begin = blockIdx.x * chunk, end = min(n, begin + chunk);
    A acc = scan_init<Op, T>();
    for (int64_t p = begin + threadIdx.x; p < end; p += blockDim.x) acc = scan_apply<Op>(acc, cvt<A>(s[reverse ? n - 1 - p : p]));
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) acc = scan_apply<Op>(acc, (A)__shfl_xor_sync(0xffffffffu, acc, o));
    if (lane == 0) part[wid] = acc;
    __syncthreads();
    if (threadIdx.x == 0) {
      A t = part[0];
      for (int w = 1; w < nw; w++) t = scan_apply<Op>(t, part[w]);
      totals[r * nchunks + blockIdx.x] = t;
    }
    __syncthreads();
  }
}

// Block (row, chunk) scans its chunk tile by tile, starting from carries[row, chunk] (if given).
// Safe in place. blockDim is a multiple of 32.
template <typename T, ScanOp Op>
__global__ void scan_rows_kernel(const T* src, T* dst, int64_t rows, int64_t n, int64_t chunk, int64_t nchunks,
                                 bool reverse, bool inclusive, const SAcc<T>* carries) {
  using A = SAcc<T>;
  __shared__ A wtot[32];
  int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
  const A init = scan_init<Op, T>();
  for (int64_t r = blockIdx.y; r < rows; r += gridDim.y) {
    const T* s = src + r * n;
    T* d = dst + r * n;
    int64_t begin = blockIdx.x * chunk, end = min(n, begin + chunk);
    A carry = carries ? carries[r * nchunks + blockIdx.x] : init;
    for (int64_t t0 = begin; t0 < end; t0 += blockDim.x) {
      int64_t p = t0 + threadIdx.x;
      bool valid = p < end;
      int64_t phys = reverse ? n - 1 - p : p;
      A x = valid ? cvt<A>(s[phys]) : init;
#pragma unroll
      for (int o = 1; o < 32; o <<= 1) {
        A y = shfl_up(x, o);
        if (lane >= o) x = scan_apply<Op>(y, x);
      }
      A before = shfl_up(x, 1);
      if (lane == 0) before = init;
      if (lane == 31) wtot[wid] = x;
      __syncthreads();
      if (wid == 0) {
        A w = lane < nw ? wtot[lane] : init;
#pragma unroll
        for (int o = 1; o < 32; o <<= 1) {
          A y = shfl_up(w, o);
          if (lane >= o) w = scan_apply<Op>(y, w);
        }
        if (lane < nw) wtot[lane] = w;
      }
      __syncthreads();
      A prefix = wid > 0 ? scan_apply<Op>(carry, wtot[wid - 1]) : carry;
      if (valid) d[phys] = cvt<T>(scan_apply<Op>(prefix, inclusive ? x : before));
      carry = scan_apply<Op>(carry, wtot[nw - 1]);
      __syncthreads();
    }
  }
}

template <typename T, ScanOp Op>
void row_scan(const T* src, T* dst, int64_t rows, int64_t n, bool reverse, bool inclusive, const Stream& s) {
  using A = SAcc<T>;
  cudaStream_t st = stream_of(s);
  int threads = 32;
  while (threads < 1024 && threads < n) threads <<= 1;
  int gy = (int)std::min<int64_t>(rows, 65535);
  int64_t long_chunk = (int64_t)threads * 16;
  if (rows >= 2 * num_sms() || n <= long_chunk) {
    scan_rows_kernel<T, Op><<<dim3(1, gy), threads, 0, st>>>(src, dst, rows, n, n, 1, reverse, inclusive, nullptr);
    MLX_CUDA_LAUNCHED();
    return;
  }
  // Long rows: chunk totals, their exclusive scan (the carries), then every chunk from its carry.
  int64_t nchunks = (n + long_chunk - 1) / long_chunk;
  check(nchunks <= 65535 * 64, ErrorCode::not_implemented, "[cuda] scan: row too long.");
  Array tot = device_empty({rows * nchunks * (int64_t)sizeof(A)}, Dtype::uint8, s);
  Array car = device_empty({rows * nchunks * (int64_t)sizeof(A)}, Dtype::uint8, s);
  A* tp = static_cast<A*>(tot.buffer()->device_ptr);
  A* cp = static_cast<A*>(car.buffer()->device_ptr);
  scan_totals_kernel<T, Op><<<dim3((unsigned)nchunks, gy), 256, 0, st>>>(src, tp, rows, n, long_chunk, nchunks, reverse);
  MLX_CUDA_LAUNCHED();
  row_scan<A, Op>(tp, cp, rows, nchunks, false, false, s);
  scan_rows_kernel<T, Op><<<dim3((unsigned)nchunks, gy), threads, 0, st>>>(src, dst, rows, n, long_chunk, nchunks,
                                                                          reverse, inclusive, cp);
  MLX_CUDA_LAUNCHED();
}

Strides axis_last_strides(const Shape& shape, int axis) {
  Strides st(shape.size());
  st[axis] = 1;
  int64_t s = shape[axis];
  for (int i = (int)shape.size() - 1; i >= 0; i--) {
    if (i == axis) continue;
    st[i] = s;
    s *= shape[i];
  }
  return st;
}

template <typename T, ScanOp Op> void scan_typed(const Scan& p, const Array& a, Array& o) {
  const Stream& s = p.stream();
  cudaStream_t st = stream_of(s);
  int axis = p.axis();
  int64_t n = o.shape(axis), outer = 1, inner = 1;
  for (int i = 0; i < axis; i++) outer *= o.shape(i);
  for (int i = axis + 1; i < o.ndim(); i++) inner *= o.shape(i);
  bool half_exact = is_half_v<T> && Op != ScanOp::max && Op != ScanOp::min && n <= 4096;
  bool dense = a.flags().row_contiguous && a.data_size() == a.size();
  bool columns = inner > 1 && (outer * inner >= 4096 || n <= 32 || half_exact);
  if (inner == 1 || columns || half_exact) {
    // In the array's own row-major layout.
    Array copy;
    if (!dense) copy = contiguous_gpu(a, s);
    const Array& src = dense ? a : copy;
    const T* sp = static_cast<const T*>(in_ptr(src, s));
    T* dp = donate(src, o, s) ? const_cast<T*>(sp) : static_cast<T*>(alloc_out(o, s));
    if (columns || half_exact) {
      scan_seq_kernel<T, Op><<<blocks_for(outer * inner, 128), 128, 0, st>>>(sp, dp, outer, n, inner, p.reverse(),
                                                                             p.inclusive());
      MLX_CUDA_LAUNCHED();
    } else {
      row_scan<T, Op>(sp, dp, outer, n, p.reverse(), p.inclusive(), s);
    }
    return;
  }
  // Few long columns: lay the axis out last, scan rows in place, and keep that layout.
  Strides ls = axis_last_strides(o.shape(), axis);
  Array tmp = device_empty({o.size()}, o.dtype(), s);
  T* tp = static_cast<T*>(tmp.buffer()->device_ptr);
  copy_gpu(a, tp, o.dtype(), ls, s);
  row_scan<T, Op>(tp, tp, outer * inner, n, p.reverse(), p.inclusive(), s);
  o.copy_shared_buffer(tmp, ls, layout_flags(o.shape(), ls, o.size()), o.size());
}

void scan(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& p = static_cast<const Scan&>(prim);
  const Array& a = in[0];
  Array& o = out[0];
  if (a.dtype() == Dtype::complex64 || o.dtype() != a.dtype()) return cpu_fallback(prim, in, out);
  if (o.size() == 0) { alloc_out(o, p.stream()); return; }
  bool done = false;
  dispatch_dev(o.dtype(), [&](auto tp) {
    using T = MLX_T(tp);
    switch (p.op()) {
      case ScanOp::sum:
        if constexpr (!std::is_same_v<T, bool>) { scan_typed<T, ScanOp::sum>(p, a, o); done = true; }
        break;
      case ScanOp::prod: scan_typed<T, ScanOp::prod>(p, a, o); done = true; break;
      case ScanOp::max: scan_typed<T, ScanOp::max>(p, a, o); done = true; break;
      case ScanOp::min: scan_typed<T, ScanOp::min>(p, a, o); done = true; break;
      case ScanOp::logaddexp:
        if constexpr (is_fp_v<T>) { scan_typed<T, ScanOp::logaddexp>(p, a, o); done = true; }
        break;
    }
  });
  if (!done) cpu_fallback(prim, in, out);
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, Scan, scan);

}  // namespace mlx::cu
