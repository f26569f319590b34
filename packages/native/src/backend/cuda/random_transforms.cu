// RandomTransform (uniform, normal, truncated_normal, gumbel, laplace, bernoulli) and
// RandomCategorical on the GPU, repeating the CPU kernels' float operations (random.cc) one by one:
// every multiply/add is rounded on its own (__fmul_rn/__fadd_rn: nvcc would otherwise contract
// them into FMAs), FMAs only where the CPU calls std::fma, half results rounded after each op as
// MLX's op chain does. The CPU's logf/log1pf (glibc) are matched by the double-precision log
// rounded to float, which is correctly rounded, so results agree bit for bit except where glibc's
// own result is off by its last bit (then within 1 ulp before the following polynomial).
// randint and complex_normal run on the CPU.
#include <cmath>

#include "../../primitives/random.h"
#include "common.cuh"

namespace mlx::cu {

namespace {

// A parameter input: one value (stride 0) or a row-contiguous array over the output.
template <typename T> struct Param {
  const T* p;
  int64_t step;
  __device__ __forceinline__ T operator[](int64_t i) const { return p[i * step]; }
};

template <typename T> Param<T> param(const Array& a, const Stream& s, std::vector<Array>& keep) {
  if (a.data_size() == 1) return {static_cast<const T*>(in_ptr(a, s)), 0};
  keep.push_back(contiguous_gpu(a, s));
  return {static_cast<const T*>(in_ptr(keep.back(), s)), 1};
}

// Rounds a float to T's precision and back (MLX rounds every op to its output dtype).
template <typename T> __device__ __forceinline__ float rnd(float x) {
  if constexpr (std::is_same_v<T, float>) return x;
  else return cvt<float>(cvt<T>(x));
}

__device__ __forceinline__ float mul(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ float add(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ float sub(float a, float b) { return __fsub_rn(a, b); }
__device__ __forceinline__ float fminf_cpu(float a, float b) { return b < a ? b : a; }  // std::min(a, b)

__device__ __forceinline__ float log_f(float x) { return (float)log((double)x); }
__device__ __forceinline__ float log1p_f(float x) { return (float)log1p((double)x); }

__device__ __forceinline__ float to_unit(uint32_t b) { return mul(__uint2float_rn(b), 2.3283064365386963e-10f); }

template <typename T> __device__ __forceinline__ float below_one() {
  if constexpr (std::is_same_v<T, float>) return 0.99999994f;
  else if constexpr (std::is_same_v<T, __half>) return 0.99951171875f;
  else return 0.99609375f;
}

__device__ __forceinline__ float erfinv_f(float a) {
  float t = log_f(fmaf(a, sub(0.0f, a), 1.0f));
  float p;
  if (fabsf(t) > 6.125f) {
    p = 3.03697567e-10f;
    p = fmaf(p, t, 2.93243101e-8f); p = fmaf(p, t, 1.22150334e-6f); p = fmaf(p, t, 2.84108955e-5f);
    p = fmaf(p, t, 3.93552968e-4f); p = fmaf(p, t, 3.02698812e-3f); p = fmaf(p, t, 4.83185798e-3f);
    p = fmaf(p, t, -2.64646143e-1f); p = fmaf(p, t, 8.40016484e-1f);
  } else {
    p = 5.43877832e-9f;
    p = fmaf(p, t, 1.43285448e-7f); p = fmaf(p, t, 1.22774793e-6f); p = fmaf(p, t, 1.12963626e-7f);
    p = fmaf(p, t, -5.61530760e-5f); p = fmaf(p, t, -1.47697632e-4f); p = fmaf(p, t, 2.31468678e-3f);
    p = fmaf(p, t, 1.15392581e-2f); p = fmaf(p, t, -2.32015476e-1f); p = fmaf(p, t, 8.86226892e-1f);
  }
  return mul(a, p);
}

// uniform(nextafter(-1, 0), 1) in float32.
__device__ __forceinline__ float sym_unit(uint32_t b) {
  const float lo = -0.99999994f, r = sub(1.0f, lo);
  return add(mul(r, fminf_cpu(to_unit(b), 0.99999994f)), lo);
}

// MLX's exp (Cephes polynomial on 2^x) inside its erf.
__device__ __forceinline__ float exp_mlx(float x0) {
  if (isnan(x0)) return x0;
  if (x0 > 88.0f) return INFINITY;
  if (x0 < -88.0f) return 0.0f;
  float x = mul(x0, 1.442695f);
  float ip = floorf(add(x, 0.5f)), fp = sub(x, ip);
  x = 1.535336188319500e-4f;
  x = fmaf(x, fp, 1.339887440266574e-3f); x = fmaf(x, fp, 9.618437357674640e-3f);
  x = fmaf(x, fp, 5.550332471162809e-2f); x = fmaf(x, fp, 2.402264791363012e-1f);
  x = fmaf(x, fp, 6.931472028550421e-1f); x = fmaf(x, fp, 1.0f);
  float s = __uint_as_float((uint32_t)(((int32_t)ip + 127) << 23));
  return mul(s, x);
}

__device__ __forceinline__ float erf_f(float v) {
  float t = __fdiv_rn(1.0f, fmaf(0.3275911f, fabsf(v), 1.0f));
  float r = fmaf(1.061405429f, t, -1.453152027f);
  r = fmaf(r, t, 1.421413741f); r = fmaf(r, t, -0.284496736f); r = fmaf(r, t, 0.254829592f);
  float e = -exp_mlx(mul(-v, v));
  float res = fmaf(mul(e, t), r, 1.0f);
  return v > 0 ? res : -res;
}

// T-typed multiply/add as the CPU's mul_t/add_t (halves through one float op, then rounded).
template <typename T> __device__ __forceinline__ T mul_t(T a, T b) {
  if constexpr (std::is_same_v<T, double>) return __dmul_rn(a, b);
  else if constexpr (std::is_same_v<T, float>) return mul(a, b);
  else return cvt<T>(mul(cvt<float>(a), cvt<float>(b)));
}
template <typename T> __device__ __forceinline__ T add_t(T a, T b) {
  if constexpr (std::is_same_v<T, double>) return __dadd_rn(a, b);
  else if constexpr (std::is_same_v<T, float>) return add(a, b);
  else return cvt<T>(add(cvt<float>(a), cvt<float>(b)));
}

#define GRID_LOOP(i, n) \
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n); i += (int64_t)gridDim.x * blockDim.x)

template <typename T> __global__ void uniform_kernel(Param<uint32_t> b, Param<T> lo, Param<T> hi, T* out, int64_t n) {
  GRID_LOOP(i, n) {
    float x = rnd<T>(fminf_cpu(to_unit(b[i]), below_one<T>()));
    float l = cvt<float>(lo[i]), r = rnd<T>(sub(cvt<float>(hi[i]), l));
    out[i] = cvt<T>(add(rnd<T>(mul(r, x)), l));
  }
}

template <typename T>
__global__ void normal_kernel(Param<uint32_t> b, Param<T> sc, Param<T> lc, bool has_sc, bool has_lc, T sqrt2, T* out,
                              int64_t n) {
  GRID_LOOP(i, n) {
    T v = cvt<T>(erfinv_f(sym_unit(b[i])));
    T a = has_sc ? mul_t(sqrt2, sc[i]) : sqrt2;
    v = mul_t(a, v);
    out[i] = has_lc ? add_t(lc[i], v) : v;
  }
}

template <typename T>
__global__ void truncated_normal_kernel(Param<uint32_t> b, Param<T> lo, Param<T> hi, float sqrt2, T* out, int64_t n) {
  GRID_LOOP(i, n) {
    float l = cvt<float>(lo[i]), h = cvt<float>(hi[i]);
    float a = rnd<T>(erf_f(rnd<T>(__fdiv_rn(l, sqrt2)))), c = rnd<T>(erf_f(rnd<T>(__fdiv_rn(h, sqrt2))));
    float x = rnd<T>(fminf_cpu(to_unit(b[i]), below_one<T>()));
    float u = rnd<T>(add(rnd<T>(mul(rnd<T>(sub(c, a)), x)), a));
    float v = rnd<T>(mul(sqrt2, rnd<T>(erfinv_f(u))));
    v = isnan(h) ? h : (h < v ? h : v);
    v = isnan(v) ? v : (v > l ? v : l);
    out[i] = cvt<T>(v);
  }
}

template <typename T> __global__ void gumbel_kernel(Param<uint32_t> b, T* out, int64_t n) {
  GRID_LOOP(i, n) {
    float u = rnd<T>(fminf_cpu(to_unit(b[i]), below_one<T>()));
    out[i] = cvt<T>(-rnd<T>(log_f(-rnd<T>(log_f(u)))));
  }
}

template <typename T>
__global__ void laplace_kernel(Param<uint32_t> b, T scale, T loc, bool use_scale, bool use_loc, T* out, int64_t n) {
  GRID_LOOP(i, n) {
    float u = sym_unit(b[i]);
    float sg = (float)((u > 0) - (u < 0));
    T v;
    if constexpr (std::is_same_v<T, double>) v = __dmul_rn((double)sg, log1p(-1.0 * (double)fabsf(u)));
    else v = cvt<T>(mul(sg, log1p_f(mul(-1.0f, fabsf(u)))));
    if (use_scale) v = mul_t(scale, v);
    if (use_loc) v = add_t(loc, v);
    out[i] = v;
  }
}

template <typename P> __global__ void bernoulli_kernel(Param<uint32_t> b, Param<P> p, bool* out, int64_t n) {
  const P upper = (P)4294967808.0f;
  GRID_LOOP(i, n) {
    if constexpr (std::is_same_v<P, double>) out[i] = (double)b[i] < __dmul_rn(p[i], upper);
    else out[i] = __uint2float_rn(b[i]) < mul(p[i], upper);
  }
}

// argmax_k(g + logits) per row, the CPU's sequential rule: the first NaN if any, else the first maximum.
template <typename T> struct Best {
  T v;
  uint32_t i;
};
template <typename T> __device__ __forceinline__ Best<T> better(Best<T> a, Best<T> b) {
  bool an = a.v != a.v, bn = b.v != b.v;
  if (an || bn) return an && bn ? (a.i < b.i ? a : b) : (an ? a : b);
  if (a.v != b.v) return a.v > b.v ? a : b;
  return a.i < b.i ? a : b;
}

template <typename T> __global__ void categorical_kernel(const T* g, const T* l, uint32_t* out, int64_t K) {
  const int64_t row = blockIdx.x;
  const T* a = g + row * K;
  const T* c = l + row * K;
  Best<T> best{T(-INFINITY), 0xffffffffu};
  for (int64_t j = threadIdx.x; j < K; j += blockDim.x) {
    T v;
    if constexpr (std::is_same_v<T, double>) v = __dadd_rn(a[j], c[j]);
    else v = add(a[j], c[j]);
    best = better(best, Best<T>{v, (uint32_t)j});
  }
  __shared__ T sv[32];
  __shared__ uint32_t si[32];
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    Best<T> other{__shfl_xor_sync(0xffffffffu, best.v, o), __shfl_xor_sync(0xffffffffu, best.i, o)};
    best = better(best, other);
  }
  int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
  if (lane == 0) sv[wid] = best.v, si[wid] = best.i;
  __syncthreads();
  if (wid == 0) {
    best = lane < nw ? Best<T>{sv[lane], si[lane]} : Best<T>{T(-INFINITY), 0xffffffffu};
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
      Best<T> other{__shfl_xor_sync(0xffffffffu, best.v, o), __shfl_xor_sync(0xffffffffu, best.i, o)};
      best = better(best, other);
    }
    // K >= 1 so some index was seen; an all -inf row keeps the smallest index (0).
    if (lane == 0) out[row] = best.i == 0xffffffffu ? 0u : best.i;
  }
}

template <typename F> bool float_out(Dtype dt, bool allow_f64, F&& f) {
  switch (dt) {
    case Dtype::float32: f((float*)nullptr); return true;
    case Dtype::float16: f((__half*)nullptr); return true;
    case Dtype::bfloat16: f((__nv_bfloat16*)nullptr); return true;
    case Dtype::float64: if (allow_f64) { f((double*)nullptr); return true; } return false;
    default: return false;
  }
}

void random_transform(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& p = static_cast<const RandomTransform&>(prim);
  using RT = RandomTransform;
  Array& o = out[0];
  const Dtype dt = o.dtype();
  bool supported = in[0].dtype() == Dtype::uint32;
  switch (p.kind()) {
    case RT::uniform: case RT::truncated_normal: case RT::gumbel:
      supported &= dt == Dtype::float32 || dt == Dtype::float16 || dt == Dtype::bfloat16;
      break;
    case RT::normal: case RT::laplace:
      supported &= dt == Dtype::float32 || dt == Dtype::float16 || dt == Dtype::bfloat16 || dt == Dtype::float64;
      break;
    case RT::bernoulli:
      supported &= in[1].dtype() == Dtype::float32 || in[1].dtype() == Dtype::float64;
      break;
    default: supported = false;
  }
  for (size_t k = 1; k < in.size() && supported; k++)
    supported = p.kind() == RT::bernoulli || in[k].dtype() == dt;
  if (!supported) return cpu_fallback(prim, in, out);
  auto& s = prim.stream();
  void* op = alloc_out(o, s);
  const int64_t n = o.size();
  if (n == 0) return;
  cudaStream_t st = stream_of(s);
  std::vector<Array> keep;
  Param<uint32_t> bits = param<uint32_t>(in[0], s, keep);
  const int threads = 256, blocks = blocks_for(n, threads);
  if (p.kind() == RT::bernoulli) {
    if (in[1].dtype() == Dtype::float64)
      bernoulli_kernel<double><<<blocks, threads, 0, st>>>(bits, param<double>(in[1], s, keep), (bool*)op, n);
    else bernoulli_kernel<float><<<blocks, threads, 0, st>>>(bits, param<float>(in[1], s, keep), (bool*)op, n);
    MLX_CUDA_LAUNCHED();
    return;
  }
  float_out(dt, true, [&](auto tag) {
    using T = MLX_T(tag);
    T* y = static_cast<T*>(op);
    if constexpr (std::is_same_v<T, double>) {
      if (p.kind() == RT::normal) {
        size_t k = 1;
        Param<T> sc{nullptr, 0}, lc{nullptr, 0};
        if (p.has_scale()) sc = param<T>(in[k++], s, keep);
        if (p.has_loc()) lc = param<T>(in[k++], s, keep);
        normal_kernel<T><<<blocks, threads, 0, st>>>(bits, sc, lc, p.has_scale(), p.has_loc(), std::sqrt(2.0), y, n);
      } else {
        laplace_kernel<T><<<blocks, threads, 0, st>>>(bits, (double)p.scale(), (double)p.loc(), p.scale() != 1.0f,
                                                      p.loc() != 0.0f, y, n);
      }
    } else {
      // Constants rounded on the host as the CPU does (T(sqrt(2.0)) etc.), passed as device values.
      auto to_t = [](double v) -> T {
        if constexpr (std::is_same_v<T, float>) return (float)v;
        else if constexpr (std::is_same_v<T, __half>) return __float2half_rn((float)v);
        else return __float2bfloat16_rn((float)v);
      };
      auto to_f = [](T v) -> float {
        if constexpr (std::is_same_v<T, float>) return v;
        else if constexpr (std::is_same_v<T, __half>) return __half2float(v);
        else return __bfloat162float(v);
      };
      switch (p.kind()) {
        case RT::uniform:
          uniform_kernel<T><<<blocks, threads, 0, st>>>(bits, param<T>(in[1], s, keep), param<T>(in[2], s, keep), y, n);
          break;
        case RT::normal: {
          size_t k = 1;
          Param<T> sc{nullptr, 0}, lc{nullptr, 0};
          if (p.has_scale()) sc = param<T>(in[k++], s, keep);
          if (p.has_loc()) lc = param<T>(in[k++], s, keep);
          normal_kernel<T><<<blocks, threads, 0, st>>>(bits, sc, lc, p.has_scale(), p.has_loc(), to_t(std::sqrt(2.0)), y, n);
          break;
        }
        case RT::truncated_normal:
          truncated_normal_kernel<T><<<blocks, threads, 0, st>>>(bits, param<T>(in[1], s, keep), param<T>(in[2], s, keep),
                                                                 to_f(to_t(std::sqrt(2.0))), y, n);
          break;
        case RT::gumbel: gumbel_kernel<T><<<blocks, threads, 0, st>>>(bits, y, n); break;
        case RT::laplace:
          laplace_kernel<T><<<blocks, threads, 0, st>>>(bits, to_t(p.scale()), to_t(p.loc()), p.scale() != 1.0f,
                                                        p.loc() != 0.0f, y, n);
          break;
        default: break;
      }
    }
    MLX_CUDA_LAUNCHED();
  });
}

void random_categorical(const Primitive& prim, const std::vector<Array>& ins, std::vector<Array>& out) {
  Array& o = out[0];
  Dtype dt = ins[0].dtype();
  if ((dt != Dtype::float32 && dt != Dtype::float64) || ins[1].dtype() != dt || ins[0].shape(-1) == 0)
    return cpu_fallback(prim, ins, out);
  auto& s = prim.stream();
  uint32_t* op = static_cast<uint32_t*>(alloc_out(o, s));
  const int64_t M = o.size();
  if (M == 0) return;
  const int64_t K = ins[0].shape(-1);
  Array g = contiguous_gpu(ins[0], s), l = contiguous_gpu(ins[1], s);
  int threads = K >= 1024 ? 1024 : (int)std::max<int64_t>(32, (K + 31) / 32 * 32);
  cudaStream_t st = stream_of(s);
  if (dt == Dtype::float64)
    categorical_kernel<double><<<(unsigned)M, threads, 0, st>>>(in<double>(g, s), in<double>(l, s), op, K);
  else categorical_kernel<float><<<(unsigned)M, threads, 0, st>>>(in<float>(g, s), in<float>(l, s), op, K);
  MLX_CUDA_LAUNCHED();
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, RandomTransform, random_transform);
MLX_REGISTER_KERNEL(gpu, RandomCategorical, random_categorical);

}  // namespace mlx::cu
