// Reductions on the GPU: Reduce (sum/prod/max/min/all/any/mean over any axes), ArgReduce, and the
// row kernels Softmax and LogSumExp (last axis; a row is held in registers when it fits).
#include <algorithm>

#include "../../primitives/reduce.h"
#include "common.cuh"

namespace mlx::cu {

namespace {

template <typename A> __device__ __forceinline__ A red_init(int op) {
  switch (op) {
    case Reduce::prod: return A(1);
    case Reduce::max:
      if constexpr (std::is_floating_point_v<A>) return A(-INFINITY);
      else return std::numeric_limits<A>::lowest();
    case Reduce::min:
      if constexpr (std::is_floating_point_v<A>) return A(INFINITY);
      else return std::numeric_limits<A>::max();
    case Reduce::all: return A(1);
    default: return A(0);
  }
}
template <typename A> __device__ __forceinline__ bool nan_of(A v) {
  if constexpr (std::is_floating_point_v<A>) return isnan(v); else return false;
}
template <typename A> __device__ __forceinline__ A red_op(int op, A a, A b) {
  switch (op) {
    case Reduce::prod: return A(a * b);
    case Reduce::max: return ((b > a) || nan_of(b)) && !nan_of(a) ? b : a;
    case Reduce::min: return ((b < a) || nan_of(b)) && !nan_of(a) ? b : a;
    case Reduce::all: return A(a != A(0) && b != A(0));
    case Reduce::any: return A(a != A(0) || b != A(0));
    default: return A(a + b);
  }
}

// all/any test truthiness (0.5 is true); the others convert the value.
template <typename A, typename In> __device__ __forceinline__ A load_acc(int op, In v) {
  if (op == Reduce::all || op == Reduce::any) return A(cvt<bool>(v));
  return cvt<A>(v);
}

// kept: output dims -> input strides; red: reduced dims -> input strides.
template <typename In, typename A, typename Out>
__global__ void reduce_block(int op, const In* x, Out* y, StridedLayout<1> kept, StridedLayout<1> red, int64_t R,
                             int64_t M, double scale) {
  __shared__ A smem[32];
  for (int64_t m = blockIdx.x; m < M; m += gridDim.x) {
    int64_t base;
    strided_offsets<1>(kept, m, &base);
    A acc = red_init<A>(op);
    for (int64_t r = threadIdx.x; r < R; r += blockDim.x) {
      int64_t off;
      strided_offsets<1>(red, r, &off);
      acc = red_op<A>(op, acc, load_acc<A>(op, x[base + off]));
    }
    acc = block_reduce<A>(acc, [op](A a, A b) { return red_op<A>(op, a, b); }, smem, red_init<A>(op));
    if (threadIdx.x == 0) {
      if (op == Reduce::mean) y[m] = cvt<Out>((A)(acc * (A)scale));
      else y[m] = cvt<Out>(acc);
    }
    __syncthreads();
  }
}
template <typename In, typename A, typename Out>
__global__ void reduce_thread(int op, const In* x, Out* y, StridedLayout<1> kept, StridedLayout<1> red, int64_t R,
                              int64_t M, double scale) {
  for (int64_t m = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; m < M; m += (int64_t)gridDim.x * blockDim.x) {
    int64_t base;
    strided_offsets<1>(kept, m, &base);
    A acc = red_init<A>(op);
    for (int64_t r = 0; r < R; r++) {
      int64_t off;
      strided_offsets<1>(red, r, &off);
      acc = red_op<A>(op, acc, load_acc<A>(op, x[base + off]));
    }
    if (op == Reduce::mean) y[m] = cvt<Out>((A)(acc * (A)scale));
    else y[m] = cvt<Out>(acc);
  }
}

// Layout of the kept dims (in output order) and the reduced dims of `in`.
bool split_layout(const Array& in, const std::vector<int>& axes, StridedLayout<1>& kept, StridedLayout<1>& red, int64_t& R) {
  Shape ks, rs;
  Strides kst, rst;
  R = 1;
  for (int d = 0; d < in.ndim(); d++) {
    bool is_red = std::find(axes.begin(), axes.end(), d) != axes.end();
    (is_red ? rs : ks).push_back(in.shape(d));
    (is_red ? rst : kst).push_back(in.strides()[d]);
    if (is_red) R *= in.shape(d);
  }
  return make_layout<1>(ks, {&kst}, kept) && make_layout<1>(rs, {&rst}, red);
}

void reduce(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& rp = static_cast<const Reduce&>(p);
  const Array& a = in[0];
  Array& o = out[0];
  StridedLayout<1> kept, red;
  int64_t R;
  if (a.dtype() == Dtype::complex64 || o.dtype() == Dtype::complex64 || !split_layout(a, rp.axes(), kept, red, R))
    return cpu_fallback(p, in, out);
  auto& s = p.stream();
  void* yp = alloc_out(o, s);
  int64_t M = o.size();
  if (M == 0) return;
  const void* xp = a.size() ? in_ptr(a, s) : nullptr;
  if (a.size() == 0) R = 0;
  int op = rp.op();
  double scale = R ? 1.0 / (double)R : NAN;
  cudaStream_t st = stream_of(s);
  dispatch_dev(a.dtype(), [&](auto ip) {
    using In = MLX_T(ip);
    dispatch_dev(o.dtype(), [&](auto opp) {
      using Out = MLX_T(opp);
      auto launch = [&](auto accp) {
        using A = MLX_T(accp);
        if (R >= 128) {
          reduce_block<In, A, Out><<<(int)std::min<int64_t>(M, 65535), 256, 0, st>>>(op, (const In*)xp, (Out*)yp, kept, red, R, M, scale);
        } else {
          reduce_thread<In, A, Out><<<blocks_for(M, 256), 256, 0, st>>>(op, (const In*)xp, (Out*)yp, kept, red, R, M, scale);
        }
        MLX_CUDA_LAUNCHED();
      };
      if (op == Reduce::all || op == Reduce::any) launch((int*)nullptr);
      else if constexpr (std::is_same_v<In, double> || std::is_same_v<Out, double>) launch((double*)nullptr);
      else if constexpr (is_fp_v<In> || is_fp_v<Out>) launch((float*)nullptr);
      else if constexpr (std::is_unsigned_v<Out> || std::is_same_v<Out, bool>) launch((uint64_t*)nullptr);
      else launch((int64_t*)nullptr);
    });
  });
}

// ---------------------------------------------------------------- argmax / argmin
template <typename A> struct ArgVal { A v; uint32_t i; };
template <typename A, bool IsMax> __device__ __forceinline__ ArgVal<A> arg_better(ArgVal<A> a, ArgVal<A> b) {
  // First index of the extreme; NaN counts as the extreme.
  if (nan_of(a.v)) return (nan_of(b.v) && b.i < a.i) ? b : a;
  if (nan_of(b.v)) return b;
  bool bb = IsMax ? (b.v > a.v) : (b.v < a.v);
  if (bb || (b.v == a.v && b.i < a.i)) return b;
  return a;
}

template <typename In, bool IsMax>
__global__ void argreduce_kernel(const In* x, uint32_t* y, StridedLayout<1> kept, int64_t n, int64_t stride, int64_t M) {
  using A = Calc<In>;
  __shared__ A sv[32];
  __shared__ uint32_t si[32];
  for (int64_t m = blockIdx.x; m < M; m += gridDim.x) {
    int64_t base;
    strided_offsets<1>(kept, m, &base);
    ArgVal<A> best{cvt<A>(x[base]), 0};
    for (int64_t r = threadIdx.x; r < n; r += blockDim.x) best = arg_better<A, IsMax>(best, {cvt<A>(x[base + r * stride]), (uint32_t)r});
    for (int o = 16; o > 0; o >>= 1) {
      ArgVal<A> other{A(__shfl_xor_sync(0xffffffffu, best.v, o)), __shfl_xor_sync(0xffffffffu, best.i, o)};
      best = arg_better<A, IsMax>(best, other);
    }
    int lane = threadIdx.x & 31, wid = threadIdx.x >> 5;
    if (lane == 0) { sv[wid] = best.v; si[wid] = best.i; }
    __syncthreads();
    if (threadIdx.x == 0) {
      ArgVal<A> b{sv[0], si[0]};
      for (int w = 1; w < (int)(blockDim.x >> 5); w++) b = arg_better<A, IsMax>(b, {sv[w], si[w]});
      y[m] = b.i;
    }
    __syncthreads();
  }
}

void arg_reduce(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& ap = static_cast<const ArgReduce&>(p);
  const Array& a = in[0];
  Array& o = out[0];
  int axis = ap.axis();
  if (a.dtype() == Dtype::complex64 || o.dtype() != Dtype::uint32 || a.shape(axis) == 0) return cpu_fallback(p, in, out);
  StridedLayout<1> kept, red;
  int64_t R;
  if (!split_layout(a, {axis}, kept, red, R)) return cpu_fallback(p, in, out);
  auto& s = p.stream();
  uint32_t* yp = out_ptr<uint32_t>(o, s);
  int64_t M = o.size();
  if (M == 0) return;
  const void* xp = in_ptr(a, s);
  cudaStream_t st = stream_of(s);
  int threads = R >= 1024 ? 256 : 32;
  dispatch_dev(a.dtype(), [&](auto ip) {
    using In = MLX_T(ip);
    int g = (int)std::min<int64_t>(M, 65535);
    if (ap.op() == ArgReduce::argmax) argreduce_kernel<In, true><<<g, threads, 0, st>>>((const In*)xp, yp, kept, R, a.strides()[axis], M);
    else argreduce_kernel<In, false><<<g, threads, 0, st>>>((const In*)xp, yp, kept, R, a.strides()[axis], M);
    MLX_CUDA_LAUNCHED();
  });
}

// ---------------------------------------------------------------- softmax / logsumexp
constexpr int kRowThreads = 256;
constexpr int kRowCache = 16;  // elements per thread held in registers (rows up to 4096)

template <typename T, bool LSE>
__global__ void row_softmax(const T* x, T* y, int64_t rows, int64_t D) {
  __shared__ float smem[32];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* xr = x + r * D;
    float vals[kRowCache];
    bool cached = D <= (int64_t)kRowCache * blockDim.x;
    float mx = -INFINITY;
    if (cached) {
#pragma unroll
      for (int k = 0; k < kRowCache; k++) {
        int64_t i = threadIdx.x + (int64_t)k * blockDim.x;
        vals[k] = i < D ? cvt<float>(xr[i]) : -INFINITY;
        mx = fmaxf(mx, vals[k]);
      }
    } else {
      for (int64_t i = threadIdx.x; i < D; i += blockDim.x) mx = fmaxf(mx, cvt<float>(xr[i]));
    }
    mx = block_reduce<float>(mx, [](float a, float b) { return fmaxf(a, b); }, smem, -INFINITY);
    float shift = isinf(mx) ? 0.f : mx;  // all -inf (or inf) rows: no NaN from inf - inf
    float sum = 0.f;
    if (cached) {
#pragma unroll
      for (int k = 0; k < kRowCache; k++) {
        int64_t i = threadIdx.x + (int64_t)k * blockDim.x;
        vals[k] = i < D ? __expf(vals[k] - shift) : 0.f;
        sum += vals[k];
      }
    } else {
      for (int64_t i = threadIdx.x; i < D; i += blockDim.x) sum += __expf(cvt<float>(xr[i]) - shift);
    }
    sum = block_reduce<float>(sum, [](float a, float b) { return a + b; }, smem, 0.f);
    if constexpr (LSE) {
      if (threadIdx.x == 0) y[r] = cvt<T>(isinf(mx) && mx > 0 ? mx : logf(sum) + shift);
    } else {
      float inv = 1.f / sum;
      T* yr = y + r * D;
      if (cached) {
#pragma unroll
        for (int k = 0; k < kRowCache; k++) {
          int64_t i = threadIdx.x + (int64_t)k * blockDim.x;
          if (i < D) yr[i] = cvt<T>(vals[k] * inv);
        }
      } else {
        for (int64_t i = threadIdx.x; i < D; i += blockDim.x) yr[i] = cvt<T>(__expf(cvt<float>(xr[i]) - shift) * inv);
      }
    }
    __syncthreads();
  }
}

template <bool LSE> void softmax_like(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  const Array& a0 = in[0];
  if (!is_floating(a0.dtype()) || a0.dtype() == Dtype::float64 || a0.ndim() == 0 || a0.shape(-1) == 0)
    return cpu_fallback(p, in, out);
  auto& s = p.stream();
  Array a = contiguous_gpu(a0, s);
  Array& o = out[0];
  void* yp = alloc_out(o, s);
  int64_t D = a.shape(-1), rows = D ? a.size() / D : 0;
  if (rows == 0) return;
  const void* xp = in_ptr(a, s);
  cudaStream_t st = stream_of(s);
  int threads = D <= 1024 ? 128 : kRowThreads;
  if (D > (int64_t)kRowCache * threads && D <= (int64_t)kRowCache * 1024) threads = 1024;
  dispatch_dev_float(a.dtype(), [&](auto tp) {
    using T = MLX_T(tp);
    if constexpr (!std::is_same_v<T, double>) {
      row_softmax<T, LSE><<<(int)std::min<int64_t>(rows, 1 << 20), threads, 0, st>>>((const T*)xp, (T*)yp, rows, D);
      MLX_CUDA_LAUNCHED();
    }
  });
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, Reduce, reduce);
MLX_REGISTER_KERNEL(gpu, ArgReduce, arg_reduce);
MLX_REGISTER_KERNEL(gpu, Softmax, softmax_like<false>);
MLX_REGISTER_KERNEL(gpu, LogSumExp, softmax_like<true>);

}  // namespace mlx::cu
